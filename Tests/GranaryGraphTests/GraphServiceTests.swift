import Foundation
import GranaryGraph
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

@Suite struct GraphServiceTests {
    static let metadata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Metadata").path

    @Test func everyRequestAfterAChangeSeesItEvenWhenTheyArriveTogether() async throws {
        let folder = TestFolders.make("graph")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let library = try Library(
            dataDirectory: folder,
            metadataDirectory: Self.metadata,
            options: .init(bcryptCost: 4, database: try await TestDatabase.defaultDatabase(forLibraryIn: folder, schemas: [])),
            schemas: []
        )
        let catalogue = library.catalogue
        _ = try await catalogue.createMajor(code: "460110", name: nil, level: nil, role: .core, actor: "test")
        _ = try await catalogue.createCourse(id: "weld", name: "焊接方法与设备", major: "460110", category: .core, hours: nil, standard: nil, actor: "test")
        let graph = GraphService(database: library.database)
        let before = try await graph.index()
        #expect(before.node(.course, "weld") != nil)

        _ = try await catalogue.createPoint(id: "gmaw", name: "熔化极气体保护焊", course: "weld", kind: .skill, prerequisites: [], actor: "test")
        _ = try await catalogue.createJob(id: "welder", name: "焊工", occupationCode: nil, skills: ["gmaw"], actor: "test")
        let indexes = try await withThrowingTaskGroup(of: GraphIndex.self) { group in
            for _ in 0..<24 { group.addTask { try await graph.index() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(indexes.count == 24)
        #expect(Set(indexes.map(\.revision)).count == 1)
        #expect(indexes.allSatisfy { $0.revision > before.revision })
        let index = try #require(indexes.first)
        let welder = try #require(index.node(.job, "welder"))
        #expect(index.predecessors(of: welder, via: .requiredBy) == [try #require(index.node(.skill, "gmaw"))])
        #expect(try await graph.jobs(reachableFromCourse: "weld").map(\.id) == ["welder"])
    }
}
