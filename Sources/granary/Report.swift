import ArgumentParser
import Foundation
import GranaryReview
import GranarySchema
import GranaryStore

/// `granary report`: the monitoring report from the shell (works while the service runs).
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the guideline's monitoring report for a year.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "Calendar year (Asia/Shanghai); defaults to the current one.")
    var year: Int?

    @Flag(help: "Print the JSON document instead of the summary.")
    var json = false

    func run() async throws {
        let library = try await self.storage.open()
        let reports = ReportService(database: library.database)
        let year = self.year ?? reports.currentYear()
        let report = try await reports.report(year: year)
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("\(report.year) 年度监测报告 — 已发布资源 \(report.totals.resources) 个")
        for rule in report.rules {
            let value = rule.value.map { String(format: "%6.1f%%", $0 * 100) } ?? "   无数据"
            let verdict = rule.pass ? "达标" : "未达标"
            print("  \(verdict)  \(value) \(rule.comparison) \(String(format: "%.0f%%", rule.threshold * 100))  \(rule.id)  \(rule.title)")
            for item in rule.items.prefix(10) { print("          - \(item.name) (\(item.id))") }
            if rule.itemsTotal > 10 { print("          … \(rule.itemsTotal - 10) more") }
        }
    }
}
