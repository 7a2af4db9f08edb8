import Foundation
import GranaryModel

extension Bench.Search {
    /// The corpus as published resources of a `granary serve` process, searched over HTTP by wrk with `connections`
    /// keep-alive connections, one query class at a time. Returns the figures for the JSON report.
    static func overHTTP(
        corpus: [SearchDocument],
        queries: [String: [[String]]],
        work: String,
        metadata: String,
        connections: Int
    ) async throws
        -> [String: Any]
    {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
            print("HTTP: wrk is not installed (apt-get install wrk); skipped")
            return [:]
        }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let texts: [(title: String, description: String)] = corpus.map { ($0.title, $0.description ?? "") }
        // wrk and the server share this machine's cores: one event loop and one wrk thread leave the fewest threads
        // waiting for a core (with a loop per core and two wrk threads, p99 was twice as long).
        let server = try await BenchServer.start(work: work, metadata: metadata, role: .learner, arguments: ["--event-loops", "1"]) { library in
            try await Bench.Review.fill(library, pending: 0, published: texts.count, texts: texts)
        }
        defer { server.stop() }
        let pid = server.process.processIdentifier
        print(
            String(
                format:
                    "HTTP: granary serve with %d published resources answered /health %.2f s after it started (index built from SQLite); RSS %.0f MiB",
                texts.count,
                server.startSeconds,
                Double(BenchServer.status(pid: pid, field: "VmRSS")) / 1024
            )
        )
        try await server.waitForIntegrityCheck()
        var figures: [String: Any] = ["start_s": server.startSeconds]
        print("HTTP, \(connections) connections, 10 s per class (wrk, one thread; granary serve --event-loops 1): requests/s, p50 ms, p99 ms")
        for name in ["q2", "q3", "q4", "and2", "f2", "f3", "f4", "fand2"] {
            let paths = (queries[name] ?? []).map { "/api/v1/search?pageSize=20&q=" + Self.queryValue($0) }
            guard !paths.isEmpty else { continue }
            let run = try Self.wrk(
                paths: paths,
                header: ("Authorization", "Bearer \(server.token)"),
                port: server.port,
                work: work,
                connections: connections
            )
            print(String(format: "%-6@ %8.0f  %7.2f  %7.2f%@", name as NSString, run.rate, run.p50, run.p99, run.note as NSString))
            figures[name] = ["requests_per_s": run.rate, "p50_ms": run.p50, "p99_ms": run.p99]
        }
        let peak = BenchServer.status(pid: pid, field: "VmHWM")
        print(String(format: "HTTP: server peak RSS %.0f MiB", Double(peak) / 1024))
        figures["peak_rss_mib"] = Double(peak) / 1024
        return figures
    }

    /// Query terms as the value of `q`, percent-encoded.
    static func queryValue(_ terms: [String]) -> String {
        terms.joined(separator: " ").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// One wrk run of `seconds` over `paths` in turn, with one request header: requests/s, p50 and p99 in ms, and a note
    /// when some answers were not 2xx.
    static func wrk(
        paths: [String],
        header: (name: String, value: String),
        port: Int,
        work: String,
        connections: Int,
        seconds: Int = 10
    ) throws -> (rate: Double, p50: Double, p99: Double, note: String) {
        let pathFile = work + "/paths.txt"
        try paths.joined(separator: "\n").write(toFile: pathFile, atomically: true, encoding: .utf8)
        let script = work + "/rotate.lua"
        try """
        local paths = {}
        for line in io.lines("\(pathFile)") do paths[#paths + 1] = line end
        local next = 0
        request = function()
          next = next % #paths + 1
          return wrk.format("GET", paths[next], { ["\(header.name)"] = "\(header.value)" })
        end
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let output = try runProgram(
            "/usr/bin/wrk",
            ["-t1", "-c\(connections)", "-d\(seconds)s", "--timeout", "30s", "--latency", "-s", script, "http://127.0.0.1:\(port)"]
        )
        let rate =
            output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        let note = output.contains("Non-2xx") ? " (some answers were not 2xx)" : ""
        return (rate, Self.wrkLatency(output, "50%"), Self.wrkLatency(output, "99%"), note)
    }

    /// A latency line of wrk's `--latency` distribution ("99%   4.21ms"), in milliseconds.
    static func wrkLatency(_ output: String, _ percentile: String) -> Double {
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, fields[0] == percentile else { continue }
            let value = fields[1]
            for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where value.hasSuffix(unit) {
                return (Double(value.dropLast(unit.count)) ?? 0) * factor
            }
        }
        return 0
    }
}
