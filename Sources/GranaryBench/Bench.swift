import ArgumentParser
import Crypto
import Foundation
import GranaryModel
import GranaryStore

/// `granary bench ...`: measurements printed beside the anchors of ../shared/bench, taken in the same run.
public struct Bench: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Measure Granary beside its anchors.",
        subcommands: [Graph.self, Ingest.self, Journeys.self, Meaning.self, Papers.self, Review.self, Search.self, Web.self]
    )

    /// Parsing fills the subcommands' options; the command itself has none.
    public init() {}
}

/// The Python glue in `Tests/Bench` that runs the shared anchors' own generators and timers.
enum BenchScripts {
    /// The script's path; the benchmarks run from the repository's root, as the README shows.
    static func path(_ name: String) throws -> String {
        let path = FileManager.default.currentDirectoryPath + "/Tests/Bench/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw BenchError("\(path) not found: run granary bench from the repository's root")
        }
        return path
    }
}
