import ArgumentParser
import Foundation
import GranaryModel
import GranarySchema
import GranaryStore

/// `granary import catalogue FILE`: a whole course system from the shell, as `POST /catalogue/import` does it.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import content into the library.",
        subcommands: [Catalogue.self]
    )

    /// `granary import catalogue FILE`.
    struct Catalogue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a course-system document (majors, courses, knowledgePoints, jobs) in one transaction; safe to repeat."
        )

        @OptionGroup var storage: StorageOptions

        @Argument(help: "The JSON document.")
        var file: String

        @Option(help: "Username recorded as the actor in the events.")
        var actor: String = "cli"

        @Flag(help: "Print the JSON report instead of the summary.")
        var json = false

        func run() async throws {
            let library = try await self.storage.open()
            let data = try Data(contentsOf: URL(fileURLWithPath: self.file))
            let document: CatalogueDocument
            do {
                document = try JSONDecoder().decode(CatalogueDocument.self, from: data)
            } catch {
                throw ValidationError("\(self.file) is not a course-system document: \(error)")
            }
            let report = try await library.catalogue.importDocument(document, actor: self.actor, english: false)
            if self.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("新建 \(report.created.count) 项，更新 \(report.updated.count) 项，未变 \(report.unchanged) 项，拒绝 \(report.rejected.count) 项")
                for rejection in report.rejected {
                    print("  拒绝 \(rejection.item.type)[\(rejection.item.index)] \(rejection.item.id ?? "")：\(rejection.reason)")
                }
            }
            if !report.rejected.isEmpty { throw ExitCode(2) }
        }
    }
}
