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

        @Option(
            help: """
                queries.json of Tests/Bench/frequent_queries.py (terms cut from random positions of the corpus text, so \
                weighted by how often they occur), beside a link to corpus.jsonl; its classes run as f2, f3, f4 and fand2.
                """
        )
        var frequentQueries: String?

        @Option(help: "The shared bench_search.py; its tantivy_bigram engine runs on the same files when tantivy is installed.")
        var anchorScript: String = "../shared/bench/bench_search.py"

        @Option(help: "Anchor engine of bench_search.py.")
        var anchor: String = "tantivy_bigram"

        @Option(help: "Timed passes over each class's queries.")
        var rounds: Int = 2

        @Option(help: "Query classes to time, comma-separated.")
        var classes: String = "q2,q3,q4,and2,f2,f3,f4,fand2"

        @Flag(inversion: .prefixedNo, help: "Also serve the corpus from a granary server and load it with wrk.")
        var http = true

        @Option(help: "Concurrent connections for the HTTP run.")
        var connections: Int = 16

        @Option(help: "Scratch folder for the HTTP run.")
        var work: String = "/tmp/granary-bench-search"

        @Option(help: "Folder of the shipped vocabularies.")
        var metadata: String = "Metadata"

        /// queries.json: per class, queries that are one term (a string) or several (an array of strings).
        static func queryClasses(_ path: String) throws -> [String: [[String]]] {
            let classes = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: [Any]] ?? [:]
            return classes.mapValues { items in items.map { ($0 as? String).map { [$0] } ?? ($0 as? [String] ?? []) } }
        }

        /// The uniform classes of `queries` and, when given, the frequency-weighted ones of `frequent` renamed
        /// (q2 → f2, and2 → fand2).
        static func queryClasses(_ queries: String, frequent: String?) throws -> [String: [[String]]] {
            var classes = try Self.queryClasses(queries)
            if let frequent {
                for (name, items) in try Self.queryClasses(frequent) { classes[Self.frequentName(name)] = items }
            }
            return classes
        }

        static func frequentName(_ name: String) -> String { name.hasPrefix("q") ? "f" + name.dropFirst() : "f" + name }

        /// The first `limit` records of corpus.jsonl as published documents of one major, a course per domain.
        static func corpusDocuments(_ path: String, limit: Int = .max) throws -> [SearchDocument] {
            var documents: [SearchDocument] = []
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").prefix(limit) {
                guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                documents.append(
                    SearchDocument(
                        id: "\(record["id"] ?? documents.count)",
                        title: record["title"] as? String ?? "",
                        description: record["description"] as? String ?? "",
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
            }
            return documents
        }

        func run() async throws {
            let viewer = User(id: "bench", username: "bench", displayName: "bench", role: .learner, institution: nil, createdAt: Date())
            let buildStart = ContinuousClock.now
            let documents = try Self.corpusDocuments(self.corpus)
            let texts = documents.map { Array(($0.title + "\n" + ($0.description ?? "")).lowercased().utf16) }
            let loaded = ContinuousClock.now - buildStart
            let index = SearchIndex()
            let anonymousBefore = BenchServer.status(pid: getpid(), field: "RssAnon")
            let indexStart = ContinuousClock.now
            // As the service builds it: in batches of 10,000, postings at the end.
            await index.replaceAll { add in
                for start in stride(from: 0, to: documents.count, by: 10_000) { add(Array(documents[start..<min(documents.count, start + 10_000)])) }
            }
            let built = ContinuousClock.now - indexStart
            let anonymous = BenchServer.status(pid: getpid(), field: "RssAnon") - anonymousBefore
            print(
                String(
                    format: "%d documents: read in %.2f s, indexed in %.2f s; the index takes %.0f MiB resident (RssAnon growth)",
                    documents.count,
                    Review.seconds(loaded),
                    Review.seconds(built),
                    Double(anonymous) / 1024
                )
            )
            let stats = index.statistics
            print("index arrays, MiB: " + index.footprint.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value >> 20)" }.joined(separator: ", "))
            print("index: \(stats.textUnits) code units of text, \(stats.bigramKeys) bigram keys, \(stats.postings) postings")

            let classes = try Self.queryClasses(self.queries, frequent: self.frequentQueries)
            var queries: [String: [[String]]] = [:]
            var report: [String: Any] = ["documents": documents.count, "build_s": Review.seconds(built), "index_mib": Double(anonymous) / 1024]
            print("ranked top-20 in process, ms: without counts (what tantivy does) | with total and facets (what the API does)")
            print("class    p50      p99    |   p50      p99    | hit counts equal to a scan")
            for name in self.classes.split(separator: ",").map(String.init) {
                guard let items = classes[name], !items.isEmpty else { continue }
                queries[name] = items
                func time(counts: Bool) -> (p50: Double, p99: Double) {
                    for terms in items.prefix(10) { _ = index.search(Self.query(terms, viewer: viewer, counts: counts)) }
                    var latencies: [Double] = []
                    for _ in 0..<self.rounds {
                        for terms in items {
                            let query = Self.query(terms, viewer: viewer, counts: counts)
                            let start = ContinuousClock.now
                            _ = index.search(query)
                            latencies.append(Review.seconds(ContinuousClock.now - start) * 1000)
                        }
                    }
                    return Self.percentiles(latencies)
                }
                let ranked = time(counts: false)
                let counted = time(counts: true)
                // Hit counts against a brute-force scan, like compare_counts.py: the first 60 queries.
                var equal = 0
                for terms in items.prefix(60) {
                    let folded = terms.map { Array($0.lowercased().utf16) }
                    let expected = texts.filter { text in folded.allSatisfy { Self.contains(text, $0) } }.count
                    if index.search(Self.query(terms, viewer: viewer, counts: true)).total == expected { equal += 1 }
                }
                print(
                    String(
                        format: "%-6@ %7.3f  %7.3f  | %7.3f  %7.3f  | %d/%d",
                        name as NSString,
                        ranked.p50,
                        ranked.p99,
                        counted.p50,
                        counted.p99,
                        equal,
                        min(60, items.count)
                    )
                )
                report[name] = [
                    "p50_ms": ranked.p50, "p99_ms": ranked.p99, "counted_p50_ms": counted.p50, "counted_p99_ms": counted.p99, "countsEqual": equal,
                ]
            }
            if self.http {
                report["http"] = try await Self.overHTTP(
                    corpus: documents,
                    queries: queries,
                    work: self.work,
                    metadata: self.metadata,
                    connections: self.connections
                )
            }

            if FileManager.default.fileExists(atPath: self.anchorScript) {
                var anchors: [String: Any] = [:]
                let folders =
                    [(URL(fileURLWithPath: self.queries).deletingLastPathComponent().path, { (name: String) in name })]
                    + (self.frequentQueries.map { [(URL(fileURLWithPath: $0).deletingLastPathComponent().path, Self.frequentName)] } ?? [])
                for (folder, rename) in folders {
                    guard let classes = try self.runAnchor(in: folder) else { break }
                    for (name, figures) in classes { anchors[rename(name)] = figures }
                }
                if !anchors.isEmpty {
                    report["anchor"] = anchors
                    print("ranked top-20 p99, ms: Granary | \(self.anchor) | ratio (target ≤ 0.5)")
                    for name in self.classes.split(separator: ",").map(String.init) {
                        guard let ours = (report[name] as? [String: Any])?["p99_ms"] as? Double,
                            let theirs = (anchors[name] as? [String: Any])?["p99_ms"] as? Double, theirs > 0
                        else { continue }
                        print(String(format: "%-6@ %8.3f | %8.3f | %.2f", name as NSString, ours, theirs, ours / theirs))
                    }
                }
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }

        /// Runs the anchor engine of bench_search.py on the corpus.jsonl and queries.json of `folder` (the script reads
        /// them beside itself, so a copy runs there); its figures per class, or nil when it did not run.
        func runAnchor(in folder: String) throws -> [String: Any]? {
            let copy = folder + "/bench_search.py"
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: self.anchorScript, toPath: copy)
            try? FileManager.default.removeItem(atPath: folder + "/results_search.jsonl")
            print("running \(self.anchor) (bench_search.py) on \(folder) …")
            guard (try? runProgram("/usr/bin/env", ["python3", copy, self.anchor])) != nil,
                let line = try? String(contentsOfFile: folder + "/results_search.jsonl", encoding: .utf8).split(separator: "\n").last,
                let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            else {
                print("the anchor did not run (pip install tantivy)")
                return nil
            }
            return record["classes"] as? [String: Any]
        }

        static func query(_ terms: [String], viewer: User, counts: Bool) -> SearchQuery {
            var query = SearchQuery(terms.joined(separator: " "), viewer: viewer)
            query.counts = counts
            return query
        }

        static func percentiles(_ values: [Double]) -> (p50: Double, p99: Double) {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return (0, 0) }
            return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int((0.99 * Double(sorted.count - 1)).rounded()))])
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
