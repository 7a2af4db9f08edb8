import Foundation
import Testing

@testable import GranaryHTTP

@Suite struct JSONWriterTests {
    struct Sample: Encodable {
        let averageStars: Double
        let createdAt: Date
        let empty: [String: Int]
        let flag: Bool
        let names: [String]
        let score: Double
        let title: String
        let total: Int
    }

    /// What the search answer writes by hand reads back exactly as what `JSONEncoder.api` writes for the same values.
    @Test func writesWhatTheEncoderWrites() throws {
        let sample = Sample(
            averageStars: 4.5,
            createdAt: Date(timeIntervalSince1970: 1_764_400_000.75),
            empty: [:],
            flag: true,
            names: ["焊接\"电弧\"", "a\\b/c", "line\nbreak\ttab\u{01}", ""],
            score: 1.234,
            title: "<mark>焊接</mark> & CO₂",
            total: 200_000
        )
        var writer = JSONWriter()
        writer.object { json in
            json.key("averageStars")
            json.number(sample.averageStars)
            json.key("createdAt")
            json.date(sample.createdAt)
            json.key("empty")
            json.counts(sample.empty)
            json.key("flag")
            json.bool(sample.flag)
            json.key("names")
            json.array { json in for name in sample.names { json.string(name) } }
            json.key("score")
            json.number(sample.score)
            json.key("title")
            json.string(sample.title)
            json.key("total")
            json.number(sample.total)
        }
        let written = try #require(JSONSerialization.jsonObject(with: Data(writer.bytes)) as? NSDictionary)
        let encoded = try #require(JSONSerialization.jsonObject(with: JSONEncoder.api.encode(sample)) as? NSDictionary)
        #expect(written == encoded)
        #expect(written["createdAt"] as? String == "2025-11-29T07:06:40Z")
    }

    @Test func countsAreSortedByName() {
        var writer = JSONWriter()
        writer.counts(["video": 2, "animation": 1, "document": 3])
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"animation":1,"document":3,"video":2}"#)
    }
}
