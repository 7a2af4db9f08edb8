import GranaryModel
import GranarySearch

/// The facets, hits and pager of the search page, written straight into UTF-8.
///
/// The search page is the one page load-tested at 200,000 resources (`granary bench web`): rendered by the template
/// engine, its twenty hits and four facet lists cost about a thousand dynamic look-ups and casts a page, five times
/// what the search itself costs. The markup is the same a template would write; every value is escaped by `Markup`
/// (`& < > " '`, as mustache's `{{...}}` does), and the snippet's hits are put in `<mark>`. A class, so the writes
/// chain on one buffer.
final class SearchResultsHTML {
    private var bytes: [UInt8] = []

    /// The results part of `page`.
    static func render(_ page: SearchPages.SearchPage) -> String {
        let html = SearchResultsHTML()
        html.bytes.reserveCapacity(16_384)
        html.write(page)
        return String(decoding: html.bytes, as: UTF8.self)
    }

    private func write(_ page: SearchPages.SearchPage) {
        if !page.filters.isEmpty {
            self.raw(#"<p class="filters">"#)
            for filter in page.filters {
                self.raw(#"<a class="chip" href=""#).text(filter.removeHref).raw(#"" title="取消此条件">"#).text(filter.label).raw(" ×</a>")
            }
            self.raw("</p>\n")
        }
        self.raw(#"<div class="search-layout">"# + "\n" + #"<aside class="facets" aria-label="分面筛选">"# + "\n")
        for group in page.facets {
            self.raw("<section><h2>").text(group.title).raw("</h2><ul>")
            for item in group.items {
                self.raw(#"<li><a href=""#).text(item.href).raw(item.selected ? #"" class="selected">"# : #"">"#)
                self.raw("<span>").text(item.label).raw(#"</span><span class="count">"#).raw(String(item.count)).raw("</span></a></li>")
            }
            self.raw("</ul></section>")
        }
        self.raw("\n</aside>\n" + #"<section class="results" aria-live="polite">"# + "\n")
        self.raw("<p class=\"summary\">共 <strong>").raw(String(page.total)).raw("</strong> 条结果")
        if !page.hits.isEmpty {
            self.raw("，显示第 ").raw(String(page.firstShown)).raw("–").raw(String(page.lastShown)).raw(" 条")
        }
        self.raw("</p>\n")
        if page.hits.isEmpty {
            self.raw(#"<div class="card empty"><p>没有找到符合条件的资源。</p><p class="muted small">试试更短的词、拼音或首字母，或去掉筛选条件。</p></div>"# + "\n")
        }
        self.raw(#"<ol class="hits">"# + "\n")
        for hit in page.hits {
            self.raw(#"<li class="hit">"# + "\n" + #"<h3><a href=""#).text(hit.href).raw(#"">"#).text(hit.title).raw("</a></h3>\n")
            self.raw(#"<p class="snippet">"#)
            hit.snippet.appendHTML(to: &self.bytes)
            self.raw("</p>\n")
            self.raw(#"<p class="meta"><span class="tag">"#).text(hit.kind).raw("</span><span>").text(hit.course).raw("</span><span>")
            self.text(hit.origin).raw("</span><span>").text(hit.date).raw("</span>")
            if let rating = hit.rating { self.raw(#"<span class="stars">"#).text(rating).raw("</span>") }
            self.raw("</p>\n</li>")
        }
        self.raw("\n</ol>\n")
        if !page.pages.isEmpty {
            self.raw(#"<nav class="pager" aria-label="分页">"# + "\n")
            if let previous = page.previous { self.raw(#"<a href=""#).text(previous).raw(#"" rel="prev">上一页</a>"#) }
            for link in page.pages {
                if link.current {
                    self.raw(#"<span aria-current="page">"#).raw(String(link.number)).raw("</span>")
                } else {
                    self.raw(#"<a href=""#).text(link.href).raw(#"">"#).raw(String(link.number)).raw("</a>")
                }
            }
            if let next = page.next { self.raw(#"<a href=""#).text(next).raw(#"" rel="next">下一页</a>"#) }
            self.raw("\n</nav>")
        }
        self.raw("\n</section>\n</div>\n")
    }

    @discardableResult
    private func raw(_ string: String) -> Self {
        self.bytes.append(contentsOf: string.utf8)
        return self
    }

    /// `string`, escaped.
    @discardableResult
    private func text(_ string: String) -> Self {
        Markup.append(string, to: &self.bytes)
        return self
    }
}
