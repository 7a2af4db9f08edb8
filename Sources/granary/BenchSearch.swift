import ArgumentParser
import Foundation
import GranaryModel
import GranarySearch

extension Bench {
    /// `granary bench search`: the search index over the shared corpus, beside tantivy run by the shared script.
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the search index from corpus.jsonl and time ranked top-20 queries per class, beside tantivy."
        )

        @Option(help: "corpus.jsonl from ../shared/bench/gen_corpus.py.")
        var corpus: String

        @Option(help: "queries.json from the same run.")
        var queries: String

        @Option(help: "The shared bench_search.py; its tantivy_bigram engine runs on the same files when tantivy is installed.")
        var anchorScript: String = "../shared/bench/bench_search.py"

        @Option(help: "Anchor engine of bench_search.py.")
        var anchor: String = "tantivy_bigram"

        func run() async throws {
            let viewer = User(id: "bench", username: "bench", displayName: "bench", role: .learner, institution: nil, createdAt: Date())
            let rssBefore = BenchServer.status(pid: getpid(), field: "VmRSS")
            let buildStart = ContinuousClock.now
            var documents: [SearchDocument] = []
            var texts: [[UInt16]] = []
            let lines = try String(contentsOfFile: self.corpus, encoding: .utf8).split(separator: "\n")
            for line in lines {
                guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                let title = record["title"] as? String ?? ""
                let description = record["description"] as? String ?? ""
                documents.append(
                    SearchDocument(
                        id: "\(record["id"] ?? documents.count)",
                        title: title,
                        description: description,
                        pointNames: [],
                        knowledgePoints: [],
                        tags: [],
                        kind: .document,
                        course: record["domain"] as? String ?? "",
                        major: "460110",
                        original: true,
                        status: .approved,
                        published: true,
                        author: "bench",
                        createdAt: Date(timeIntervalSince1970: Double(documents.count)),
                        ratings: 0,
                        averageStars: 0
                    )
                )
                texts.append(Array((title + "\n" + description).lowercased().utf16))
            }
            let loaded = ContinuousClock.now - buildStart
            let index = SearchIndex()
            let indexStart = ContinuousClock.now
            index.upsert(contentsOf: documents)
            let built = ContinuousClock.now - indexStart
            let rss = BenchServer.status(pid: getpid(), field: "VmRSS")
            print(
                String(
                    format: "%d documents: read in %.2f s, indexed in %.2f s; RSS %.0f MiB (%.0f MiB before)",
                    documents.count,
                    Review.seconds(loaded),
                    Review.seconds(built),
                    Double(rss) / 1024,
                    Double(rssBefore) / 1024
                )
            )

            let classes = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: self.queries))) as? [String: [Any]] ?? [:]
            var report: [String: Any] = [:]
            print("class   median ms    p99 ms   hit counts equal to a scan")
            for name in ["q2", "q3", "q4", "and2"] {
                let items: [[String]] = (classes[name] ?? []).map { ($0 as? String).map { [$0] } ?? ($0 as? [String] ?? []) }
                for terms in items.prefix(10) { _ = index.search(SearchQuery(terms.joined(separator: " "), viewer: viewer)) }
                var latencies: [Double] = []
                for _ in 0..<2 {
                    for terms in items {
                        let start = ContinuousClock.now
                        _ = index.search(SearchQuery(terms.joined(separator: " "), viewer: viewer))
                        latencies.append(Review.seconds(ContinuousClock.now - start) * 1000)
                    }
                }
                latencies.sort()
                let median = latencies[latencies.count / 2]
                let p99 = latencies[min(latencies.count - 1, Int((0.99 * Double(latencies.count - 1)).rounded()))]
                // Hit counts against a brute-force scan, like compare_counts.py: the first 60 queries.
                var equal = 0
                for terms in items.prefix(60) {
                    let folded = terms.map { Array($0.lowercased().utf16) }
                    let expected = texts.filter { text in folded.allSatisfy { Self.contains(text, $0) } }.count
                    if index.search(SearchQuery(terms.joined(separator: " "), viewer: viewer)).total == expected { equal += 1 }
                }
                print(String(format: "%-6@ %9.3f %9.3f   %d/%d", name as NSString, median, p99, equal, min(60, items.count)))
                report[name] = ["median_ms": median, "p99_ms": p99, "countsEqual": equal]
            }

            if FileManager.default.fileExists(atPath: self.anchorScript) {
                // The script reads corpus.jsonl and queries.json beside itself: run a copy next to ours.
                let folder = URL(fileURLWithPath: self.corpus).deletingLastPathComponent().path
                let copy = folder + "/bench_search.py"
                try? FileManager.default.removeItem(atPath: copy)
                try FileManager.default.copyItem(atPath: self.anchorScript, toPath: copy)
                try? FileManager.default.removeItem(atPath: folder + "/results_search.jsonl")
                print("running \(self.anchor) (bench_search.py) on the same files …")
                if (try? runProgram("/usr/bin/env", ["python3", copy, self.anchor])) != nil,
                    let line = try? String(contentsOfFile: folder + "/results_search.jsonl", encoding: .utf8).split(separator: "\n").last
                {
                    print(line)
                    report["anchor"] = try JSONSerialization.jsonObject(with: Data(line.utf8))
                } else {
                    print("the anchor did not run (pip install tantivy)")
                }
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }

        static func contains(_ text: [UInt16], _ term: [UInt16]) -> Bool {
            guard term.count <= text.count else { return false }
            for start in 0...(text.count - term.count) where text[start] == term[0] {
                if text[start..<(start + term.count)].elementsEqual(term) { return true }
            }
            return false
        }
    }
}
