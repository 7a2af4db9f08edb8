import ArgumentParser
import Foundation
import GRDB
import GranaryModel
import GranaryReview
import GranaryStore

extension Bench {
    /// `granary bench review`: the review queue over HTTP with many pending items, and the monitoring report over
    /// many published resources.
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the review queue (oldest 50 of many pending, over HTTP) and the monitoring report (many published resources)."
        )

        @Option(help: "Pending resources in the queue.")
        var pending: Int = 100_000

        @Option(help: "Published resources the report counts.")
        var published: Int = 200_000

        @Option(help: "Queue requests to time.")
        var requests: Int = 1000

        @Option(help: "Report runs to time.")
        var reportRuns: Int = 5

        @Option(help: "Scratch folder.")
        var work: String = "/tmp/granary-bench-review"

        @Option(help: "Folder of the shipped vocabularies.")
        var metadata: String = "Metadata"

        func run() async throws {
            try FileManager.default.createDirectory(atPath: self.work, withIntermediateDirectories: true)
            let (pending, published) = (self.pending, self.published)
            var library: Library?
            let loadStart = ContinuousClock.now
            let server = try await BenchServer.start(work: self.work, metadata: self.metadata, role: .reviewer) { opened in
                library = opened
                try await Self.fill(opened, pending: pending, published: published)
            }
            defer { server.stop() }
            print("loaded \(pending) pending and \(published) published resources in \(Self.seconds(ContinuousClock.now - loadStart)) s")

            // The queue, over HTTP on one keep-alive connection.
            let client = try BenchHTTPClient(port: server.port)
            for _ in 0..<20 { _ = try client.get("/api/v1/reviews/queue?pageSize=50", token: server.token) }
            var latencies: [Double] = []
            for _ in 0..<self.requests {
                let start = ContinuousClock.now
                let (status, body) = try client.get("/api/v1/reviews/queue?pageSize=50", token: server.token)
                latencies.append(Self.seconds(ContinuousClock.now - start) * 1000)
                guard status == 200, body.count > 1000 else { throw BenchError("queue answered \(status)") }
            }
            latencies.sort()
            let p50 = latencies[latencies.count / 2]
            let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
            print(
                String(
                    format: "queue: oldest 50 of %d pending over HTTP, %d requests: p50 %.2f ms, p99 %.2f ms (target p99 <= 20 ms)",
                    pending,
                    self.requests,
                    p50,
                    p99
                )
            )

            // The report, in process, and once over HTTP.
            let reports = ReportService(database: library!.database)
            var runs: [Double] = []
            for _ in 0..<self.reportRuns {
                let start = ContinuousClock.now
                let report = try await reports.report(year: 2026)
                runs.append(Self.seconds(ContinuousClock.now - start))
                guard report.totals.resources == published else { throw BenchError("report counted \(report.totals.resources)") }
            }
            runs.sort()
            let httpStart = ContinuousClock.now
            let (status, _) = try client.get("/api/v1/report?year=2026", token: server.token)
            let http = Self.seconds(ContinuousClock.now - httpStart)
            print(
                String(
                    format: "report over %d published resources: median %.3f s, max %.3f s in process; %.3f s over HTTP (status %d) (target <= 2 s)",
                    published,
                    runs[runs.count / 2],
                    runs.last!,
                    http,
                    status
                )
            )
            let json: [String: Any] = [
                "queue": ["pending": pending, "requests": self.requests, "p50_ms": p50, "p99_ms": p99],
                "report": ["published": published, "median_s": runs[runs.count / 2], "max_s": runs.last!, "http_s": http],
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }

        /// Writes the resources straight into the tables, in one transaction, all sharing one small blob.
        /// Fills the library with `pending` then `published` resources; `texts` gives the published ones their title and
        /// description (the search corpus), else they are named by number.
        static func fill(_ library: Library, pending: Int, published: Int, texts: [(title: String, description: String)] = []) async throws {
            let author = try await library.accounts.createUser(
                username: "author",
                password: "bench-password",
                displayName: nil,
                role: .teacher,
                institution: nil,
                actor: "bench",
                checkingPolicy: false
            )
            let upload = try await library.blobs.beginUpload(containing: Array("基准资源".utf8))
            let blob = try await upload.finish()
            let kinds = ResourceKind.allCases
            let origin = ISO8601DateFormatter().date(from: "2024-01-01T00:00:00Z")!
            let shared = (sha256: blob.sha256, size: blob.size)
            try await library.database.sqlite!.write { db in
                let rows = try BenchResourceRows(db, blob: shared)
                for index in 0..<(pending + published) {
                    let isPending = index < pending
                    let text = !isPending && index - pending < texts.count ? texts[index - pending] : (title: "基准资源 \(index)", description: "")
                    try rows.insert(
                        .init(
                            id: UUID().uuidString.lowercased(),
                            pending: isPending,
                            author: author.id,
                            // Spread over three years, so the yearly update has real work to do.
                            created: origin.addingTimeInterval(Double(index) * 94_608_000 / Double(pending + published)),
                            major: "460110",
                            course: "c1",
                            kind: kinds[index % kinds.count],
                            original: index % 10 < 8,
                            title: text.title,
                            description: text.description,
                            canonicalName: "基准_\(index).txt",
                            points: ["p1"]
                        )
                    )
                }
            }
        }

        static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }
}
