import Foundation
import GranaryModel
import GranaryReview

/// The monitoring report as a self-contained Chinese HTML page (no scripts, no outside resources).
enum ReportPage {
    static func render(_ report: MonitoringReport) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(report.year) 年度资源库监测报告</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5rem auto;max-width:64rem;padding:0 1rem;color:#222}
            h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
            th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}
            .pass{color:#17643a;font-weight:bold}.fail{color:#b3261e;font-weight:bold}.num{text-align:right;white-space:nowrap}
            details{margin:.25rem 0}small{color:#666}
            </style></head><body>
            <h1>\(report.year) 年度资源库监测报告</h1>
            <p><small>生成于 \(Self.format(report.generatedAt))（\(report.timeZone)）；仅统计已审核发布、未下架的资源与试题。</small></p>
            <h2>资源总量：\(report.totals.resources)</h2>
            \(Self.kindTable(report.totals))
            <h2>指标</h2>
            <table><tr><th>指标</th><th>要求</th><th class="num">实际</th><th>结论</th><th>问题项</th></tr>

            """
        for rule in report.rules {
            html += Self.ruleRow(rule)
        }
        html += "</table>\n<h2>分专业</h2>\n" + Self.scopeTable(report.byMajor, label: "专业")
        html += "<h2>分课程</h2>\n" + Self.scopeTable(report.byCourse, label: "课程")
        html += "</body></html>\n"
        return html
    }

    private static func ruleRow(_ rule: MonitoringReport.Rule) -> String {
        let requirement = "\(rule.comparison == "<=" ? "≤" : "≥") \(Self.percent(rule.threshold))"
        let actual = rule.value.map { "\(Self.percent($0))（\(rule.numerator)/\(rule.denominator)）" } ?? "无数据"
        var items = ""
        if rule.itemsTotal > 0 {
            let list = rule.items.map { "<li>\(Markup.escape($0.name)) <small>\(Markup.escape($0.id))</small></li>" }.joined()
            let more = rule.itemsTotal > rule.items.count ? "<li>……另有 \(rule.itemsTotal - rule.items.count) 项</li>" : ""
            items = "<details><summary>\(rule.itemsTotal) 项</summary><ul>\(list)\(more)</ul></details>"
        }
        return "<tr><td>\(Markup.escape(rule.title))<br><small>\(rule.id)</small></td><td>\(requirement)</td><td class=\"num\">\(actual)</td>"
            + "<td class=\"\(rule.pass ? "pass" : "fail")\">\(rule.pass ? "达标" : "未达标")</td><td>\(items)</td></tr>\n"
    }

    private static func kindTable(_ totals: MonitoringReport.Totals) -> String {
        let cells = ResourceKind.allCases.map { "<th>\($0.chineseName)</th>" }.joined()
        let counts = ResourceKind.allCases.map { "<td class=\"num\">\(totals.byKind[$0.rawValue] ?? 0)</td>" }.joined()
        return "<table><tr>\(cells)</tr><tr>\(counts)</tr></table>"
    }

    private static func scopeTable(_ scopes: [String: MonitoringReport.Scope], label: String) -> String {
        guard !scopes.isEmpty else { return "<p>暂无。</p>\n" }
        var html =
            "<table><tr><th>\(label)</th><th class=\"num\">资源数</th><th class=\"num\">文本+图像占比</th><th class=\"num\">原创占比</th><th class=\"num\">年度更新比例</th></tr>\n"
        for (key, scope) in scopes.sorted(by: { $0.key < $1.key }) {
            let cells = scope.rules.map { rule in
                let text = rule.value.map(Self.percent) ?? "—"
                return "<td class=\"num \(rule.value == nil ? "" : rule.pass ? "pass" : "fail")\">\(text)</td>"
            }.joined()
            html +=
                "<tr><td>\(Markup.escape(scope.name)) <small>\(Markup.escape(key))</small></td><td class=\"num\">\(scope.totals.resources)</td>\(cells)</tr>\n"
        }
        return html + "</table>\n"
    }

    private static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value * 100)
    }

    private static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = ReportService.timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
