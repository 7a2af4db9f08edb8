import Foundation
import GRDB
import GranaryModel
import GranaryTestSupport
import Testing

@testable import GranaryStore

/// The one life cycle of reviewed items, run through by both kinds the same way.
@Suite struct ReviewedItemsTests {
    /// A library with the author `zhang`, another teacher, a reviewer, an admin and a learner.
    struct People {
        let author: User
        let otherTeacher: User
        let reviewer: User
        let admin: User
        let learner: User

        var everyone: [User] { [self.author, self.otherTeacher, self.reviewer, self.admin, self.learner] }

        static func make(_ library: Library) async throws -> People {
            let author = try await TemporaryLibrary.seedTeacherAndCourse(library)
            _ = try await library.catalogue.createPoint(id: "arc", name: "电弧", course: "weld", kind: .knowledge, prerequisites: [], actor: "test")
            func user(_ name: String, _ role: Role) async throws -> User {
                try await library.accounts.createUser(
                    username: name,
                    password: "Passw0rd-123",
                    displayName: nil,
                    role: role,
                    institution: "测试学院",
                    actor: "test"
                )
            }
            return People(
                author: author,
                otherTeacher: try await user("wang", .teacher),
                reviewer: try await user("shen", .reviewer),
                admin: try await user("guan", .admin),
                learner: try await user("xue", .learner)
            )
        }
    }

    /// One kind: how to make an item and a new version of it through its store.
    struct Kind: CustomTestStringConvertible, Sendable {
        let items: ReviewedItems
        let create: @Sendable (Library, User) async throws -> String
        let newVersion: @Sendable (Library, String, User) async throws -> Void
        var testDescription: String { self.items.kind.rawValue }
    }

    static let kinds = [
        Kind(
            items: .resources,
            create: { library, author in
                let upload = try await library.blobs.beginUpload(containing: Array("焊接电弧的形成与维持。\n".utf8))
                let metadata = ResourceMetadata(title: "电弧", major: "460110", course: "weld", knowledgePoints: ["arc"], original: true)
                return try await library.resources.create(metadata: metadata, file: upload, author: author).id
            },
            newVersion: { library, id, actor in
                _ = try await library.resources.updateMetadata(id: id, patch: Data(#"{"title":"电弧（第二版）"}"#.utf8), actor: actor)
            }
        ),
        Kind(
            items: .questions,
            create: { library, author in
                let input = QuestionStore.Input(
                    course: "weld",
                    knowledgePoints: ["arc"],
                    type: .judge,
                    difficulty: 2,
                    stem: "电弧是气体放电现象。",
                    answer: .bool(true),
                    score: 1
                )
                return try await QuestionStore(database: library.database).create(input, author: author).id
            },
            newVersion: { library, id, actor in
                _ = try await QuestionStore(database: library.database).update(id: id, .init(stem: "电弧是一种气体放电现象。"), actor: actor)
            }
        ),
    ]

    /// Who sees the item: the Swift rule and the SQL rule, which must agree for every viewer.
    static func seers(_ items: ReviewedItems, id: String, _ people: People, _ library: Library) async throws -> Set<String> {
        try await library.database.read { db in
            var seen: Set<String> = []
            let state = try #require(try items.state(db, id: id))
            for viewer in people.everyone {
                let bySQL = try db.fetchOne(
                    Bool.self,
                    sql: "SELECT COUNT(*) > 0 FROM \(items.table) t WHERE t.id = ?3 AND \(ReviewedItems.visibleSQL("t"))",
                    arguments: SQLArguments(ReviewedItems.visibleArguments(viewer) + [state.id])
                )
                #expect(bySQL == state.isVisible(to: viewer), "\(viewer.username): SQL and Swift disagree")
                if state.isVisible(to: viewer) { seen.insert(viewer.username) }
            }
            return seen
        }
    }

    @Test(arguments: kinds) func anItemGoesThroughDraftReviewPublicationNewVersionAndRetirement(_ kind: Kind) async throws {
        try await TemporaryLibrary.with("lifecycle", schemas: []) { library in
            let people = try await People.make(library)
            let items = kind.items
            let id = try await kind.create(library, people.author)
            let privileged: Set = ["zhang", "shen", "guan"]
            #expect(try await Self.seers(items, id: id, people, library) == privileged)

            // Someone who cannot see the draft is told it does not exist; another teacher cannot change it either.
            do {
                _ = try await library.database.write { db in try items.transition(db, id: id, .submit, actor: people.otherTeacher, at: Date())
                }
                Issue.record("another teacher submitted a draft they cannot see")
            } catch let error as GranaryError {
                #expect(error.code == .notFound)
            }
            let submitted = try await library.database.write { db in
                try items.transition(db, id: id, .submit, actor: people.author, at: Date())
            }
            #expect(submitted.status == .pending && submitted.publishedVersion == nil)
            do {
                _ = try await library.database.write { db in try items.transition(db, id: id, .submit, actor: people.author, at: Date()) }
                Issue.record("a pending item was submitted again")
            } catch let error as GranaryError {
                #expect(error.code == .invalidTransition)
            }
            let queue = try await library.database.read { db in try items.pending(db, limit: 10, offset: 0) }
            #expect(queue.total == 1 && queue.items.first?.state.id == submitted.id && queue.items.first?.author == "zhang")

            // Approval publishes version 1 for everyone.
            try await library.database.write { db in try items.decide(db, submitted, .approve, at: Date()) }
            let approved = try #require(try await library.database.read { db in try items.state(db, id: id) })
            #expect(approved.status == .approved && approved.publishedVersion == 1 && approved.isLive)
            #expect(try await Self.seers(items, id: id, people, library).count == 5)
            do {
                try await library.database.write { db in try items.decide(db, approved, .reject, at: Date()) }
                Issue.record("a decision applied to an item not under review")
            } catch let error as GranaryError {
                #expect(error.code == .invalidTransition)
            }

            // A new version goes back to the queue; everyone else keeps seeing version 1.
            try await kind.newVersion(library, id, people.author)
            let revised = try #require(try await library.database.read { db in try items.state(db, id: id) })
            #expect(revised.status == .pending && revised.currentVersion == 2 && revised.publishedVersion == 1)
            for (viewer, version) in [(people.author, 2), (people.reviewer, 2), (people.learner, 1), (people.otherTeacher, 1)] {
                #expect(try revised.shownVersion(requested: nil, viewer: viewer) == version)
                let bySQL = try await library.database.read { db in
                    try db.fetchOne(
                        Int.self,
                        sql: "SELECT \(ReviewedItems.viewerVersionSQL("t")) FROM \(items.table) t WHERE t.id = ?3",
                        arguments: SQLArguments(ReviewedItems.visibleArguments(viewer) + [id])
                    )
                }
                #expect(bySQL == version, "\(viewer.username)")
            }
            #expect(throws: GranaryError.self) { try revised.shownVersion(requested: 2, viewer: people.learner) }

            // Asking for changes sends it back to its author; the published version stays live.
            try await library.database.write { db in try items.decide(db, revised, .requestChanges, at: Date()) }
            let sentBack = try #require(try await library.database.read { db in try items.state(db, id: id) })
            #expect(sentBack.status == .changesRequested && sentBack.isLive)

            // Another teacher cannot retire it; the author can, and then only the privileged see it.
            do {
                _ = try await library.database.write { db in try items.transition(db, id: id, .retire, actor: people.otherTeacher, at: Date())
                }
                Issue.record("another teacher retired the item")
            } catch let error as GranaryError {
                #expect(error.code == .forbidden)
            }
            let retired = try await library.database.write { db in try items.transition(db, id: id, .retire, actor: people.author, at: Date())
            }
            #expect(retired.status == .retired && !retired.isLive)
            #expect(try await Self.seers(items, id: id, people, library) == privileged)
            do {
                try await kind.newVersion(library, id, people.author)
                Issue.record("a retired item got a new version")
            } catch let error as GranaryError {
                #expect(error.code == .invalidTransition)
            }
            let events = try await library.database.read { db in
                try db.fetchAll(String.self, sql: "SELECT action FROM events WHERE itemId = ? ORDER BY id", arguments: [id])
            }
            #expect(events.contains("\(items.kind.rawValue).submitted") && events.last == "\(items.kind.rawValue).retired")
        }
    }

    @Test(arguments: kinds) func onlyTeachersAndAdminsAuthor(_ kind: Kind) async throws {
        try await TemporaryLibrary.with("lifecycle", schemas: []) { library in
            let people = try await People.make(library)
            for user in [people.learner, people.reviewer] {
                do {
                    _ = try await kind.create(library, user)
                    Issue.record("\(user.username) authored a \(kind.items.kind.rawValue)")
                } catch let error as GranaryError {
                    #expect(error.code == .forbidden)
                }
            }
            _ = try await kind.create(library, people.admin)
        }
    }
}
