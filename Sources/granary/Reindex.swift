import ArgumentParser
import Foundation
import GranarySchema
import GranarySearch
import GranaryStore

/// `granary reindex`: extracts file text the store lacks and builds the search index, showing progress.
struct Reindex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract missing file text and rebuild the search index.",
        discussion: "The service builds its index from the database when it starts; restart it to serve newly extracted text."
    )

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let library = try await self.storage.open()
        let extracted = try await library.resources.extractMissingTexts { done, total in
            FileHandle.standardError.write(Data("extracting text: \(done)/\(total) files\n".utf8))
        }
        print("text extracted from \(extracted) file(s)")
        let started = ContinuousClock.now
        let count = try await SearchService(resources: library.resources, feed: library.database.feed).rebuild()
        print("search index built: \(count) resources in \(ContinuousClock.now - started)")
    }
}
