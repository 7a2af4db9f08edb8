import Foundation
import GRDB
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// What a stop at any moment leaves behind: never a row pointing at missing bytes, never a stray temporary file
/// after the next start.
@Suite struct CrashSafetyTests {
    @Test func anUploadInterruptedByACrashLeavesNoRowAndNoFileAfterRestart() async throws {
        let first = try await TestLibrary()
        try await first.addUser("zhang", .teacher)
        try await first.seedCatalogue()
        // The process dies while bytes are still arriving: a temporary file, no row.
        let upload = try first.library.blobs.beginUpload()
        try await upload.write(ByteBuffer(bytes: try fixture("wps.pdf").prefix(300)))
        #expect(try first.library.blobs.temporaryFiles().count == 1)

        // The next start on the same folder clears it.
        let restarted = try await TestLibrary(directory: first.directory)
        try await restarted.test { client in
            let health = try await client.call(.get, "/api/v1/health")
            #expect(health.status == .ok)
        }
        #expect(try restarted.library.blobs.temporaryFiles().isEmpty)
        #expect(try await restarted.blobFiles().isEmpty)
        #expect(try await restarted.count("resources") == 0)
        upload.abandon()
    }

    @Test func bytesInPlaceWithoutTheirRowAreHarmlessAndReusedByTheNextUpload() async throws {
        let first = try await TestLibrary()
        try await first.addUser("zhang", .teacher)
        try await first.seedCatalogue()
        // The process dies after the rename and before the commit.
        let upload = try await first.library.blobs.beginUpload(containing: try fixture("wps.pdf"))
        let blob = try await upload.finish()
        #expect(try await first.library.blobs.contains(sha256: blob.sha256))

        let restarted = try await TestLibrary(directory: first.directory)
        #expect(try await restarted.count("resources") == 0)
        try await restarted.test { client in
            let token = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token).decode(Resource.self)
            #expect(resource.sha256 == blob.sha256)
            let content = try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token)
            #expect(Array(content.body.readableBytesView) == (try fixture("wps.pdf")))
        }
        #expect(try await restarted.blobFiles().count == 1)
    }

    @Test func afterAKillTheNextStartRemovesStoredFilesWithoutARow() async throws {
        let first = try await TestLibrary()
        try await first.addUser("zhang", .teacher)
        try await first.seedCatalogue()
        // A service ran and was killed after a rename and before the commit: the marker of its run is still there.
        #expect(try first.library.beginRun() == false)
        let upload = try await first.library.blobs.beginUpload(containing: try fixture("wps.pdf"))
        let blob = try await upload.finish()
        #expect(try await first.blobFiles().count == 1)

        let restarted = try await TestLibrary(directory: first.directory)
        try await restarted.test { client in
            let health = try await client.call(.get, "/api/v1/health")
            #expect(health.status == .ok)
        }
        if restarted.library.blobs.backend.isShared {
            // An object store shared by several nodes: a fresh blob without a row may be another node's upload in
            // flight, so it stays until it is an hour old; verify notes it meanwhile.
            #expect(try await restarted.blobFiles().count == 1)
            #expect(try await LibraryVerifier(library: restarted.library).run().notes.map(\.kind) == ["orphan_blob"])
        } else {
            #expect(try await restarted.blobFiles().isEmpty)
            #expect(try await !first.library.blobs.contains(sha256: blob.sha256))
            #expect(try await LibraryVerifier(library: restarted.library).run().notes.isEmpty)
        }
    }

    @Test func everyResourceRowPointsAtBytesThatExist() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            for name in ["wps.pdf", "weld-bead.png", "weld-demo.mp4", "true.elf", "arc-notes.txt"] {
                _ = try await client.upload(try fixture(name), metadata: validMetadata, token: token)
            }
        }
        let digests = try await lib.library.database.read { db in try db.fetchAll(String.self, sql: "SELECT sha256 FROM resourceVersions") }
        #expect(digests.count == 4)
        for digest in digests {
            #expect(try await lib.library.blobs.contains(sha256: digest))
        }
    }

    @Test func eventsCannotBeChangedOrDeleted() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("zhang", .teacher)
        // The database's own trigger refuses, on either engine, as a constraint.
        let update = await #expect(throws: (any Error).self) {
            try await lib.library.database.write { db in try db.execute(sql: "UPDATE events SET actor = 'someone else'") }
        }
        #expect(update.flatMap { SQLFailure.kind(of: $0) } == .constraint)
        let delete = await #expect(throws: (any Error).self) {
            try await lib.library.database.write { db in try db.execute(sql: "DELETE FROM events") }
        }
        #expect(delete.flatMap { SQLFailure.kind(of: $0) } == .constraint)
        #expect(try await lib.count("events") == 1)
    }
}
