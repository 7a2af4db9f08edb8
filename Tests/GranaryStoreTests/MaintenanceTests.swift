import Foundation
import GRDB
import GranaryModel
import GranaryTestSupport
import Testing

@testable import GranaryStore

/// Backup, restore, verify and the audit trail's hash chain, on real libraries in temporary folders.
@Suite struct MaintenanceTests {
    static let metadata =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        + "/Metadata"

    static func temporary(_ name: String) -> String {
        TestFolders.make(name)
    }

    /// A library with a teacher, a course and two resources (two blobs, a dozen events).
    static func library() async throws -> Library {
        let library = try Library(dataDirectory: Self.temporary("lib"), metadataDirectory: Self.metadata, options: .init(bcryptCost: 4), schemas: [])
        let teacher = try await TemporaryLibrary.seedTeacherAndCourse(library)
        _ = try await library.catalogue.createPoint(id: "arc", name: "焊接电弧", course: "weld", kind: .knowledge, prerequisites: [], actor: "test")
        for text in ["焊接电弧讲义", "熔化极气体保护焊要领"] {
            let upload = try await library.blobs.beginUpload(containing: Array(text.utf8))
            let metadata = ResourceMetadata(title: text, description: nil, major: "460110", course: "weld", knowledgePoints: ["arc"], original: true)
            _ = try await library.resources.create(metadata: metadata, file: upload, author: teacher)
        }
        return library
    }

    @Test func theAuditTrailIsAHashChainThatShowsAChangedOrDeletedEvent() async throws {
        let library = try await Self.library()
        let events = try await library.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM events") ?? 0 }
        #expect(events >= 6)
        #expect(try await library.database.read { db in try EventLog.verifyChain(db) } == [])

        // Someone with the file drops the guard and edits history.
        try await library.database.write { db in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            try db.execute(sql: "UPDATE events SET actor = 'someone-else' WHERE id = 3")
        }
        let changed = try await library.database.read { db in try EventLog.verifyChain(db) }
        #expect(changed.count == 1)
        #expect(changed.first?.hasPrefix("event 3 ") == true)
        #expect(try await LibraryVerifier(library: library).run().problems.map(\.kind) == ["event_chain"])

        // A deleted event in the middle breaks the link of the one after it.
        let other = try await Self.library()
        try await other.database.write { db in
            try db.execute(sql: "DROP TRIGGER events_no_delete")
            try db.execute(sql: "DELETE FROM events WHERE id = 2")
        }
        let deleted = try await other.database.read { db in try EventLog.verifyChain(db) }
        #expect(deleted.count == 1)
        #expect(deleted.first?.hasPrefix("event 3 ") == true)

        // Deleting the newest events keeps the rest of the chain consistent; the counter still tells.
        let fresh = try await Self.library()
        let last = try await fresh.database.write { db -> Int64 in
            try db.execute(sql: "DROP TRIGGER events_no_delete")
            let last = try db.fetchOne(Int64.self, sql: "SELECT MAX(id) FROM events") ?? 0
            try db.execute(sql: "DELETE FROM events WHERE id = ?", arguments: [last])
            return last
        }
        let truncated = try await fresh.database.read { db in try EventLog.verifyChain(db) }
        #expect(truncated == ["events \(last)–\(last) are missing from the end of the trail"])
    }

    @Test func anEventsAddressAndOutcomeAreInTheChainAndEventsWithoutThemKeepTheirHashes() async throws {
        let library = try await Self.library()
        let before = try await library.database.read { db in try db.fetchAll(String.self, sql: "SELECT hash FROM events ORDER BY id") }
        try await library.database.write { db in
            try EventLog.record(
                db,
                actor: nil,
                action: "session.failed",
                itemType: "user",
                itemId: "zhang",
                address: "10.0.0.7",
                outcome: "failure",
                at: library.database.clock.now()
            )
            try EventLog.record(db, actor: "zhang", action: "session.created", itemType: "user", itemId: "zhang", at: library.database.clock.now())
        }
        #expect(try await library.database.read { db in try EventLog.verifyChain(db) } == [])
        // The events written before are untouched and their hashes the same.
        let after = try await library.database.read { db in try db.fetchAll(String.self, sql: "SELECT hash FROM events ORDER BY id") }
        #expect(Array(after.prefix(before.count)) == before)
        // Hiding where a failed log-in came from breaks the chain at that event.
        let failed = try await library.database.write { db -> Int64 in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            let id = try db.fetchOne(Int64.self, sql: "SELECT id FROM events WHERE address = '10.0.0.7'") ?? 0
            try db.execute(sql: "UPDATE events SET address = '127.0.0.1' WHERE id = ?", arguments: [id])
            return id
        }
        let problems = try await library.database.read { db in try EventLog.verifyChain(db) }
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("event \(failed) ") == true)
    }

    @Test func eventsWrittenBeforeTheChainAreHashedInOrder() async throws {
        let library = try await Self.library()
        let before = try await library.database.read { db in try db.fetchAll(String.self, sql: "SELECT hash FROM events ORDER BY id") }
        try await library.database.write { db in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            try db.execute(sql: "UPDATE events SET hash = NULL")
            #expect(try EventLog.verifyChain(db).count == before.count)
            try EventLog.chainUnhashedEvents(db)
        }
        let after = try await library.database.read { db in try db.fetchAll(String.self, sql: "SELECT hash FROM events ORDER BY id") }
        #expect(after == before)
    }

    @Test func aBackupIsConsistentAndRestoresToTheSameLibraryWithEveryHashChecked() async throws {
        let library = try await Self.library()
        let backup = Self.temporary("backup")
        let manifest = try await LibraryBackup.backup(library, to: backup)
        #expect(manifest.blobs.count == 2)
        #expect(manifest.resources == 2)
        #expect(FileManager.default.fileExists(atPath: backup + "/manifest.json"))
        // Not over an earlier backup.
        await #expect(throws: LibraryBackup.Failure.self) { try await LibraryBackup.backup(library, to: backup) }

        let target = Self.temporary("restored")
        try await LibraryBackup.restore(from: backup, to: target, force: false)
        let restored = try Library(dataDirectory: target, metadataDirectory: Self.metadata, schemas: [])
        let report = try await LibraryVerifier(library: restored).run()
        #expect(report.isClean)
        #expect(report.blobsChecked == 2)
        let titles = try await restored.database.read { db in try db.fetchAll(String.self, sql: "SELECT title FROM resourceVersions ORDER BY title")
        }
        #expect(titles == ["焊接电弧讲义", "熔化极气体保护焊要领"])

        // A library is never replaced by accident.
        await #expect(throws: LibraryBackup.Failure.self) { try await LibraryBackup.restore(from: backup, to: target, force: false) }
        try await LibraryBackup.restore(from: backup, to: target, force: true)

        // A damaged backup is refused before anything in the target changes.
        let blob = manifest.blobs[0].sha256
        let path = "\(backup)/blobs/\(blob.prefix(2))/\(blob.dropFirst(2).prefix(2))/\(blob)"
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: path))
        let untouched = Self.temporary("untouched")
        await #expect(throws: LibraryBackup.Failure.self) { try await LibraryBackup.restore(from: backup, to: untouched, force: false) }
        #expect(!FileManager.default.fileExists(atPath: untouched + "/granary.sqlite"))
        await #expect(throws: LibraryBackup.Failure.self) {
            try await LibraryBackup.restore(from: Self.temporary("nothing"), to: untouched, force: false)
        }
    }

    @Test func verifyFindsMissingCorruptAndStrayBlobsAndLeftoverUploads() async throws {
        let library = try await Self.library()
        #expect(try await LibraryVerifier(library: library).run().isClean)
        let hashes = try await library.database.read { db in try db.fetchAll(String.self, sql: "SELECT sha256 FROM blobs ORDER BY sha256") }
        try FileManager.default.removeItem(atPath: library.blobs.localPath(forSHA256: hashes[0])!)
        try Data("not what the name says".utf8).write(to: URL(fileURLWithPath: library.blobs.localPath(forSHA256: hashes[1])!))
        let stray = String(repeating: "ab", count: 32)
        try FileManager.default.createDirectory(atPath: library.dataDirectory + "/blobs" + "/ab/ab", withIntermediateDirectories: true)
        try Data("stray".utf8).write(to: URL(fileURLWithPath: library.blobs.localPath(forSHA256: stray)!))
        _ = FileManager.default.createFile(atPath: library.blobs.temporaryDirectory + "/upload-x.part", contents: Data())
        let report = try await LibraryVerifier(library: library).run()
        #expect(report.problems.map(\.kind).sorted() == ["corrupt_blob", "missing_blob"])
        #expect(report.notes.map(\.kind).sorted() == ["orphan_blob", "temporary_file"])

        // What an earlier process left is swept; a file written after `before` (an upload in flight) is kept.
        #expect(try await library.removeOrphanBlobs(before: Date().addingTimeInterval(-3600)) == 0)
        #expect(try await library.removeOrphanBlobs(before: Date().addingTimeInterval(60)) == 1)
        #expect(!FileManager.default.fileExists(atPath: library.blobs.localPath(forSHA256: stray)!))
        #expect(FileManager.default.fileExists(atPath: library.blobs.localPath(forSHA256: hashes[1])!))
    }
}
