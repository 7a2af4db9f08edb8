import Foundation
import GranaryModel
import Testing

@testable import GranarySearch

/// What the index answers about the published documents on points, and the most rated, without a query: each
/// compared with the same answer worked out by hand from the documents.
@Suite struct SearchIndexPointsTests {
    static func document(
        _ id: String,
        points: [String],
        day: Double,
        published: Bool = true,
        ratings: Int = 0,
        stars: Double = 0
    ) -> SearchDocument {
        SearchDocument(
            id: id,
            title: "资源\(id)",
            description: nil,
            pointNames: points,
            knowledgePoints: points,
            tags: [],
            kind: .video,
            course: "weld",
            major: "460110",
            original: true,
            status: published ? .approved : .pending,
            published: published,
            author: "teacher-id",
            createdAt: Date(timeIntervalSince1970: 1_700_000_000 + day * 86_400),
            ratings: ratings,
            averageStars: stars
        )
    }

    static func library() -> SearchIndex {
        let index = SearchIndex()
        index.upsert(contentsOf: [
            Self.document("a", points: ["arc"], day: 1, ratings: 3, stars: 4),
            Self.document("b", points: ["arc", "gmaw"], day: 5, ratings: 3, stars: 4.5),
            Self.document("c", points: ["gmaw"], day: 3, ratings: 1, stars: 5),
            Self.document("d", points: ["gmaw"], day: 9, published: false, ratings: 9, stars: 5),
            Self.document("e", points: ["ut"], day: 7),
            Self.document("f", points: ["arc"], day: 8),
        ])
        return index
    }

    @Test func theNewestOnAnyOfThePointsComeFirstWithThePointThatLedThere() {
        let index = Self.library()
        // d is newer but not published; b is on both points and named once, with the first wanted point it is on.
        let hits = index.newest(onPoints: ["arc", "gmaw"], excluding: [], limit: 3)
        #expect(hits.map(\.id) == ["f", "b", "c"])
        #expect(hits.map(\.point) == ["arc", "arc", "gmaw"])
        #expect(index.newest(onPoints: ["arc", "gmaw"], excluding: ["f", "c"], limit: 5).map(\.id) == ["b", "a"])
        #expect(index.newest(onPoints: ["nowhere"], excluding: [], limit: 5).isEmpty)
        #expect(index.newest(onPoints: ["arc"], excluding: [], limit: 0).isEmpty)
    }

    @Test func eachPointGetsItsCountAndNewestInOnePass() {
        let index = Self.library()
        let found = index.newest(perPoint: ["arc", "gmaw", "ut", "nowhere"], limit: 2)
        #expect(Set(found.keys) == ["arc", "gmaw", "ut"])
        #expect(found["arc"]?.count == 3)
        #expect(found["arc"]?.newest.map(\.id) == ["f", "b"])
        #expect(found["gmaw"]?.count == 2)
        #expect(found["gmaw"]?.newest.map(\.id) == ["b", "c"])
        #expect(found["ut"]?.newest.map(\.title) == ["资源e"])
        // A document removed from the index is no longer counted.
        index.remove(id: "f")
        #expect(index.newest(perPoint: ["arc"], limit: 2)["arc"]?.count == 2)
    }

    @Test func theMostRatedAreRankedByRatingsThenStarsAndTheUnratedAreLeftOut() {
        let index = Self.library()
        // d has the most ratings but is unpublished; a and b tie on ratings and b has more stars.
        #expect(index.mostRated(excluding: [], limit: 10) == ["b", "a", "c"])
        #expect(index.mostRated(excluding: ["b"], limit: 1) == ["a"])
    }
}
