import ArgumentParser
import Foundation
import GranaryModel

extension Bench {
    /// `granary bench web`: the search page (server-rendered HTML) over the shared corpus, loaded with wrk beside the
    /// JSON search API it is a client of, in the same run.
    struct Web: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve corpus.jsonl as published resources and time the search page and the search API with wrk."
        )

        @Option(help: "corpus.jsonl from ../shared/bench/gen_corpus.py.")
        var corpus: String

        @Option(help: "queries.json from the same run.")
        var queries: String

        @Option(help: "Query classes to time, comma-separated.")
        var classes: String = "q2,q3,q4,and2"

        @Option(help: "Concurrent connections.")
        var connections: Int = 16

        @Option(help: "The page's p99 target in milliseconds.")
        var targetP99: Double = 50

        @Option(help: "Scratch folder.")
        var work: String = "/tmp/granary-bench-web"

        @Option(help: "Folder of the shipped vocabularies.")
        var metadata: String = "Metadata"

        func run() async throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
                throw BenchError("wrk is not installed (apt-get install wrk)")
            }
            try FileManager.default.createDirectory(atPath: self.work, withIntermediateDirectories: true)
            let texts: [(title: String, description: String)] = try String(contentsOfFile: self.corpus, encoding: .utf8).split(separator: "\n")
                .compactMap { line in
                    guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                    return (record["title"] as? String ?? "", record["description"] as? String ?? "")
                }
            let queryClasses = try Bench.Search.queryClasses(self.queries)
            let server = try await BenchServer.start(work: self.work, metadata: self.metadata, role: .learner, arguments: ["--event-loops", "1"]) {
                library in
                try await Bench.Review.fill(library, pending: 0, published: texts.count, texts: texts)
            }
            defer { server.stop() }
            print(
                String(format: "granary serve with %d published resources answered /health %.2f s after it started", texts.count, server.startSeconds)
            )
            try await server.waitForIntegrityCheck()
            let cookie = ("Cookie", "granary_session=\(server.token)")
            let bearer = ("Authorization", "Bearer \(server.token)")
            // A page that is not the search page (a redirect to the log-in form, say) would make the figures meaningless.
            let probe = try runProgram(
                "/usr/bin/curl",
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code} %{content_type}", "-H", "\(cookie.0): \(cookie.1)",
                    "http://127.0.0.1:\(server.port)/search?q=%E7%84%8A",
                ]
            )
            guard probe.hasPrefix("200 text/html") else { throw BenchError("the search page answered \(probe), not a page") }

            var report: [String: Any] = ["resources": texts.count, "connections": self.connections, "target_p99_ms": self.targetP99]
            var worst = 0.0
            print("\(self.connections) connections, 10 s per class and client (wrk, one thread; granary serve --event-loops 1)")
            print("class   page req/s  p50 ms  p99 ms | API req/s  p50 ms  p99 ms")
            for name in self.classes.split(separator: ",").map(String.init) {
                guard let terms = queryClasses[name], !terms.isEmpty else { continue }
                let page = try Bench.Search.wrk(
                    paths: terms.map { "/search?q=" + Bench.Search.queryValue($0) },
                    header: cookie,
                    port: server.port,
                    work: self.work,
                    connections: self.connections
                )
                let api = try Bench.Search.wrk(
                    paths: terms.map { "/api/v1/search?pageSize=20&q=" + Bench.Search.queryValue($0) },
                    header: bearer,
                    port: server.port,
                    work: self.work,
                    connections: self.connections
                )
                worst = max(worst, page.p99)
                print(
                    String(
                        format: "%-6@ %10.0f %7.2f %7.2f | %9.0f %7.2f %7.2f%@",
                        name as NSString,
                        page.rate,
                        page.p50,
                        page.p99,
                        api.rate,
                        api.p50,
                        api.p99,
                        (page.note + api.note) as NSString
                    )
                )
                report[name] = [
                    "page": ["requests_per_s": page.rate, "p50_ms": page.p50, "p99_ms": page.p99],
                    "api": ["requests_per_s": api.rate, "p50_ms": api.p50, "p99_ms": api.p99],
                ]
            }
            let peak = BenchServer.status(pid: server.process.processIdentifier, field: "VmHWM")
            report["peak_rss_mib"] = Double(peak) / 1024
            report["page_p99_ms_worst"] = worst
            print(
                String(
                    format: "search page p99, worst class: %.2f ms (target ≤ %.0f ms): %@",
                    worst,
                    self.targetP99,
                    worst <= self.targetP99 ? "met" : "NOT met"
                )
            )
            print(String(format: "server peak RSS %.0f MiB", Double(peak) / 1024))
            let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
