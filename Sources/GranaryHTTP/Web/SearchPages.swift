import Foundation
import GranaryEmbeddings
import GranaryModel
import GranarySearch
import Hummingbird
import Mustache

/// `/search`: the same `SearchService` query as `GET /api/v1/search`, as a page with facets and pages.
///
/// It is load-tested like the API, so it costs what the API costs plus the template: course and major names come
/// from `CatalogueNames` in memory, not from a query per hit.
struct SearchPages: Sendable {
    let pages: Pages
    let search: SearchService
    /// Search by meaning, when the service has a model (`--embeddings`): the page then offers 按语义 and 综合.
    var meaning: MeaningSearch? = nil

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("search", use: self.searchPage)
    }

    struct SearchPage: Sendable {
        struct Hit: Sendable {
            let href: String
            let title: String
            let snippet: Snippet
            let kind: String
            let course: String
            let origin: String
            let date: String
            let rating: String?
        }

        struct FacetGroup: Sendable {
            let title: String
            let items: [FacetItem]
        }

        struct FacetItem: Sendable {
            let label: String
            let count: Int
            let href: String
            let selected: Bool
        }

        struct Filter: Sendable {
            let label: String
            let removeHref: String
        }

        struct Option: Sendable {
            let value: String
            let label: String
            let selected: Bool
        }

        struct PageLink: Sendable {
            let number: Int
            let href: String
            let current: Bool
        }

        /// A filter kept as a hidden field when the person changes the words or the order.
        struct Hidden: Sendable {
            let name: String
            let value: String
        }

        let q: String
        let total: Int
        let hits: [Hit]
        let facets: [FacetGroup]
        let filters: [Filter]
        let sorts: [Option]
        /// 按词、按语义、综合: offered only when search by meaning is configured.
        let modes: [Option]?
        let hidden: [Hidden]
        let pages: [PageLink]
        let previous: String?
        let next: String?
        let firstShown: Int
        let lastShown: Int
    }

    private static let sortNames: [(SearchQuery.Sort, String)] = [(.relevance, "相关度"), (.newest, "最新"), (.popular, "最受欢迎")]
    private static let modeNames: [(MeaningSearch.Mode, String)] = [(.words, "按词"), (.hybrid, "综合（词 + 语义）"), (.meaning, "按语义")]

    @Sendable func searchPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let uri = request.uri
        // As GET /api/v1/search without `status`: published items only, for every role.
        var filter = try uri.resourceFilter()
        filter.status = nil
        let pageRequest = try PageRequest(page: uri.value("page"), pageSize: nil)
        let sort = try uri.value("sort", as: SearchQuery.Sort.self) ?? .relevance
        let text = uri.value("q") ?? ""
        let mode = self.meaning == nil ? .words : try uri.value("mode", as: MeaningSearch.Mode.self) ?? .words
        let query = SearchQuery(text, viewer: user, sort: sort, page: pageRequest, filter: filter)
        let results: (total: Int, hits: [(document: SearchDocument, snippet: Snippet)], facets: SearchResults.Facets)
        if let meaning = self.meaning, mode != .words {
            let found = try await meaning.search(query, text: text, mode: mode)
            results = (found.total, found.hits.map { ($0.document, $0.snippet) }, found.facets)
        } else {
            let found = try await self.search.search(query)
            results = (found.total, found.hits.map { ($0.document, $0.snippet) }, found.facets)
        }
        let names = try await self.pages.names.current(courses: results.hits.map(\.document.course))

        let current: [(String, String?)] = [
            ("q", text), ("kind", filter.kind?.rawValue), ("course", filter.course), ("major", filter.major),
            ("knowledgePoint", filter.knowledgePoint), ("original", filter.original.map { $0 ? "true" : "false" }),
            ("sort", sort == .relevance ? nil : sort.rawValue), ("mode", mode == .words ? nil : mode.rawValue),
        ]
        /// The current search with `name` set to `value` (nil removes it), back on the first page.
        func with(_ name: String, _ value: String?) -> String {
            Pages.link("/search", current.map { $0.0 == name ? ($0.0, value) : $0 })
        }
        func courseName(_ id: String) -> String { names.courses[id]?.name ?? id }
        func majorName(_ code: String) -> String { names.majors[code]?.name ?? code }
        func kindName(_ raw: String) -> String { ResourceKind(rawValue: raw)?.chineseName ?? raw }
        func originName(_ raw: String) -> String { raw == "true" ? "原创" : "引用" }

        func group(_ title: String, _ name: String, _ counts: [String: Int], selected: String?, label: (String) -> String) -> SearchPage.FacetGroup {
            let items = counts.filter { $0.value > 0 }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(12).map { key, count in
                SearchPage.FacetItem(label: label(key), count: count, href: with(name, selected == key ? nil : key), selected: selected == key)
            }
            return SearchPage.FacetGroup(title: title, items: Array(items))
        }
        let facets = [
            group("资源类型", "kind", results.facets.kind, selected: filter.kind?.rawValue, label: kindName),
            group("课程", "course", results.facets.course, selected: filter.course, label: courseName),
            group("专业", "major", results.facets.major, selected: filter.major, label: majorName),
            group("原创/引用", "original", results.facets.original, selected: filter.original.map { $0 ? "true" : "false" }, label: originName),
        ].filter { !$0.items.isEmpty }

        var filters: [SearchPage.Filter] = []
        if let kind = filter.kind { filters.append(.init(label: "类型：" + kind.chineseName, removeHref: with("kind", nil))) }
        if let course = filter.course { filters.append(.init(label: "课程：" + courseName(course), removeHref: with("course", nil))) }
        if let major = filter.major { filters.append(.init(label: "专业：" + majorName(major), removeHref: with("major", nil))) }
        if let original = filter.original { filters.append(.init(label: original ? "原创" : "引用", removeHref: with("original", nil))) }
        if let point = filter.knowledgePoint { filters.append(.init(label: "知识点：" + point, removeHref: with("knowledgePoint", nil))) }

        let lastPage = max(1, (results.total + pageRequest.pageSize - 1) / pageRequest.pageSize)
        func pageHref(_ number: Int) -> String { Pages.link("/search", current + [("page", number == 1 ? nil : String(number))]) }
        let window = max(1, pageRequest.page - 3)...min(lastPage, max(1, pageRequest.page - 3) + 6)
        let page = SearchPage(
            q: text,
            total: results.total,
            hits: results.hits.map { hit in
                let document = hit.document
                return SearchPage.Hit(
                    href: "/resources/" + document.id,
                    title: document.title,
                    snippet: hit.snippet,
                    kind: document.kind.chineseName,
                    course: courseName(document.course),
                    origin: document.original ? "原创" : "引用",
                    date: Pages.day(document.createdAt),
                    rating: document.ratings > 0 ? String(format: "★ %.1f（%d 人评价）", document.averageStars, document.ratings) : nil
                )
            },
            facets: facets,
            filters: filters,
            sorts: Self.sortNames.map { SearchPage.Option(value: $0.0.rawValue, label: $0.1, selected: $0.0 == sort) },
            modes: self.meaning == nil ? nil : Self.modeNames.map { SearchPage.Option(value: $0.0.rawValue, label: $0.1, selected: $0.0 == mode) },
            hidden: current.compactMap { name, value in
                guard name != "q", name != "sort", name != "mode", let value else { return nil }
                return SearchPage.Hidden(name: name, value: value)
            },
            pages: lastPage > 1 ? window.map { SearchPage.PageLink(number: $0, href: pageHref($0), current: $0 == pageRequest.page) } : [],
            previous: pageRequest.page > 1 ? pageHref(pageRequest.page - 1) : nil,
            next: pageRequest.page < lastPage ? pageHref(pageRequest.page + 1) : nil,
            firstShown: results.hits.isEmpty ? 0 : pageRequest.offset + 1,
            lastShown: pageRequest.offset + results.hits.count
        )
        return try await self.pages.render("search", title: text.isEmpty ? "检索资源" : "检索：\(text)", page: page, context: context, path: "/search")
    }
}

// MARK: - Lookups without reflection (see PageRenderer.swift); the results part is SearchResultsHTML

extension SearchPages.SearchPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "q": self.q
        case "total": self.total
        case "hits": self.hits
        case "facets": self.facets
        case "filters": self.filters
        case "sorts": self.sorts
        case "modes": self.modes
        case "modeChoice": self.modes != nil
        case "hidden": self.hidden
        case "pages": self.pages
        case "previous": self.previous
        case "next": self.next
        case "firstShown": self.firstShown
        case "lastShown": self.lastShown
        case "results": SearchResultsHTML.render(self)
        default: nil
        }
    }
}

extension SearchPages.SearchPage.Option: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": self.value
        case "label": self.label
        case "selected": self.selected
        default: nil
        }
    }
}

extension SearchPages.SearchPage.Hidden: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "value": self.value
        default: nil
        }
    }
}
