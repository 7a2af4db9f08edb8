import Foundation
import GranaryModel
import Testing

@testable import GranaryEmbeddings

@Suite struct MeaningTests {
    /// A unit vector from a seed, reproducibly.
    static func vector(_ seed: UInt64, width: Int = 64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return EmbeddingClient.normalized((0..<width).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    @Test func theQuantizedIndexRanksAsExactCosineDoes() {
        let index = VectorIndex()
        var exact: [(String, Float)] = []
        let query = Self.vector(999)
        for number in 0..<300 {
            let passages = (0..<3).map { Self.vector(UInt64(number * 10 + $0)) }
            index.replace("r\(number)", with: passages.enumerated().map { ($0.offset, $0.element) })
            exact.append(("r\(number)", passages.map { zip($0, query).reduce(0) { $0 + $1.0 * $1.1 } }.max()!))
        }
        let best = exact.sorted { $0.1 > $1.1 }.prefix(10).map(\.0)
        let found = index.nearest(query, limit: 10)
        // 8-bit values keep the order of the best: the top ten share at least nine, the first is the same.
        #expect(found.first?.resource == best.first)
        #expect(Set(found.map(\.resource)).intersection(best).count >= 9)
        #expect(abs((found.first?.score ?? 0) - exact.first { $0.0 == best.first }!.1) < 0.02)
        #expect(index.statistics.passages == 900 && index.statistics.resources == 300)
    }

    @Test func replacingAndRemovingKeepOnlyTheLivePassages() {
        let index = VectorIndex()
        let target = Self.vector(1)
        index.replace("a", with: [(0, target), (1, Self.vector(2))])
        index.replace("b", with: [(0, Self.vector(3))])
        #expect(index.nearest(target, limit: 1).first == .init(resource: "a", position: 0, score: index.nearest(target, limit: 1)[0].score))
        index.replace("a", with: [(0, Self.vector(4))])
        #expect(index.nearest(target, limit: 5).allSatisfy { $0.resource != "a" || $0.position == 0 })
        index.remove("a")
        #expect(index.nearest(target, limit: 5).map(\.resource) == ["b"])
        // Many removals compact the slots away; what stays is found as before.
        for number in 0..<3000 { index.replace("n\(number)", with: [(0, Self.vector(UInt64(100 + number)))]) }
        for number in 0..<3000 { index.remove("n\(number)") }
        #expect(index.statistics.passages == 1 && index.nearest(target, limit: 5).map(\.resource) == ["b"])
        // A vector of another width is not taken.
        index.replace("c", with: [(0, [1, 0])])
        #expect(index.statistics.resources == 1)
    }

    @Test func reciprocalRankFusionFavoursWhatBothRankingsFind() {
        let fused = MeaningSearch.fuse([["a", "b", "c"], ["c", "d", "a"]], constant: 60)
        #expect(fused.map(\.id) == ["a", "c", "b", "d"])
        #expect(abs(fused[0].score - (1.0 / 61 + 1.0 / 63)) < 1e-12)
        #expect(MeaningSearch.fuse([[], ["x"]]).map(\.id) == ["x"])
        // Equal scores keep the order of first appearance.
        #expect(MeaningSearch.fuse([["p"], ["q"]]).map(\.id) == ["p", "q"])
    }

    @Test func aPublishedResourceGivesItsHeadingThenItsTextInPassages() {
        func document(published: Bool, text: String?) -> SearchDocument {
            SearchDocument(
                id: "r",
                title: "焊接变形的控制方法",
                description: "反变形与刚性固定",
                pointNames: ["焊接变形"],
                knowledgePoints: ["p"],
                tags: [],
                fileText: text,
                kind: .document,
                course: "c",
                major: "m",
                original: true,
                status: published ? .approved : .draft,
                published: published,
                author: "t",
                createdAt: Date(timeIntervalSince1970: 0),
                ratings: 0,
                averageStars: 0
            )
        }
        #expect(Embedder.passages(of: document(published: false, text: nil)) == nil)
        #expect(Embedder.passages(of: document(published: true, text: nil)) == ["焊接变形的控制方法\n反变形与刚性固定\n焊接变形"])
        let long = String(repeating: "焊前预留反变形量，焊后矫正。", count: 600)
        let passages = Embedder.passages(of: document(published: true, text: long))!
        #expect(passages.count == Embedder.passagesPerResource)
        #expect(passages.dropFirst().allSatisfy { $0.hasPrefix("焊接变形的控制方法：") })
        #expect(Embedder.digest(passages) != Embedder.digest(Array(passages.dropLast())))
    }

    @Test func vectorsRoundTripThroughTheirStoredText() {
        let vector = Self.vector(7, width: 384)
        #expect(PassageVectors.decode(PassageVectors.encode(vector)) == vector)
        #expect(PassageVectors.decode("not base64").isEmpty)
    }

    @Test func theEndpointIsFoundFromTheServiceBase() {
        #expect(EmbeddingClient(url: "http://127.0.0.1:8000/v1").endpoint == "http://127.0.0.1:8000/v1/embeddings")
        #expect(EmbeddingClient(url: "http://127.0.0.1:8000/").endpoint == "http://127.0.0.1:8000/v1/embeddings")
        #expect(EmbeddingClient(url: "http://h/v1/embeddings").endpoint == "http://h/v1/embeddings")
    }
}
