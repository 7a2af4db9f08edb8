import ArgumentParser
import Crypto
import Foundation
import GranaryModel
import GranaryStore

/// `granary bench ...`: measurements printed beside the anchors of ../shared/bench, taken in the same run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Granary beside its anchors.",
        subcommands: [Graph.self, Ingest.self, Papers.self, Review.self, Search.self, Web.self]
    )
}
