import ArgumentParser
import GranaryBench

/// The `granary` command: the service and its tools.
@main
struct Granary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "granary",
        abstract: "Granary: a teaching resource repository for vocational colleges (职业教育专业教学资源库).",
        subcommands: [Serve.self, Users.self, Import.self, Report.self, Reindex.self, Backup.self, Restore.self, Verify.self, Bench.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command shares.
struct StorageOptions: ParsableArguments {
    @Option(help: "Data folder: granary.sqlite and blobs/.")
    var data: String = "Storage"

    @Option(help: "Folder of the shipped vocabularies and schemas.")
    var metadata: String = "Metadata"
}
