import AsyncHTTPClient
import Crypto
import Foundation
import GRDB
import GranaryModel
import GranarySchema
import GranaryStore
import GranaryTestSupport
import NIOCore
import NIOHTTP1
import Testing

@testable import GranaryS3

/// The S3 client and the blob backend against a real SeaweedFS: what is stored reads back byte for byte, ranges
/// are ranges, large files go up in parts, and the store checks every byte that was signed for.
@Suite struct S3BlobBackendTests {
    private static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// `count` bytes that differ from run to run, written to a file in `folder`.
    private static func file(_ count: Int, in folder: String) throws -> (path: String, bytes: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            for offset in stride(from: 0, to: count - count % 8, by: 8) {
                buffer.storeBytes(of: generator.next(), toByteOffset: offset, as: UInt64.self)
            }
        }
        let path = folder + "/file-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    /// A library in `folder` over `backend` (the folder's `blobs/` when nil).
    private static func library(in folder: String, over backend: (any BlobBackend)?) throws -> Library {
        try Library(
            dataDirectory: folder,
            metadataDirectory: TemporaryLibrary.metadataDirectory,
            options: .init(bcryptCost: 4, blobBackend: backend),
            schemas: .all
        )
    }

    /// A library in `folder` over `backend` with a teacher, the course `weld` with the point `arc`, and a text
    /// resource per title (repeated titles are the same bytes).
    private static func library(in folder: String, over backend: (any BlobBackend)?, resources titles: [String]) async throws -> Library {
        let library = try Self.library(in: folder, over: backend)
        let teacher = try await TemporaryLibrary.seedTeacherAndCourse(library)
        _ = try await library.catalogue.createPoint(id: "arc", name: "焊接电弧", course: "weld", kind: .knowledge, prerequisites: [], actor: "test")
        for title in titles {
            let upload = try await library.blobs.beginUpload(containing: Array(title.utf8))
            let metadata = ResourceMetadata(title: title, major: "460110", course: "weld", knowledgePoints: ["arc"], original: true)
            _ = try await library.resources.create(metadata: metadata, file: upload, author: teacher)
        }
        return library
    }

    private static func collect(_ stream: BlobByteStream) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in stream { bytes += buffer.readableBytesView }
        return bytes
    }

    @Test func aStoredBlobReadsBackWholeAndInRangesAndIsKeptOnce() async throws {
        let backend = try TestObjectStore.backend()
        try await TemporaryDirectory.with("s3") { folder in
            let (path, bytes) = try Self.file(300_000, in: folder)
            let sha256 = Self.digest(bytes)
            #expect(try await backend.contains(sha256: sha256) == false)
            #expect(try await backend.store(fileAt: path, sha256: sha256, size: Int64(bytes.count)))
            #expect(try await backend.contains(sha256: sha256))
            // The same content again is not sent again.
            #expect(try await backend.store(fileAt: path, sha256: sha256, size: Int64(bytes.count)) == false)

            #expect(try await Self.collect(backend.read(sha256: sha256, range: nil)) == bytes)
            #expect(try await Self.collect(backend.read(sha256: sha256, range: 1000...1999)) == Array(bytes[1000...1999]))
            #expect(try await Self.collect(backend.read(sha256: sha256, range: 299_990...299_999)) == Array(bytes[299_990...]))
            await #expect(throws: BlobMissing.self) { try await backend.read(sha256: String(repeating: "0", count: 64), range: nil) }

            let listed = try await backend.list()
            #expect(listed.map(\.name) == [BlobStore.key(forSHA256: sha256)])
            #expect(listed.first?.size == 300_000)
            try await backend.remove(sha256: sha256)
            #expect(try await backend.contains(sha256: sha256) == false)
            try await backend.remove(sha256: sha256)
        }
    }

    @Test func aLargeFileGoesUpInPartsAndComesBackWhole() async throws {
        // Parts of 5 MiB, S3's smallest: 12 MiB is three parts, the last shorter.
        let backend = try TestObjectStore.backend(multipartThreshold: 5 << 20, partSize: 5 << 20)
        try await TemporaryDirectory.with("s3") { folder in
            let (path, bytes) = try Self.file(12 << 20, in: folder)
            let sha256 = Self.digest(bytes)
            #expect(try await backend.store(fileAt: path, sha256: sha256, size: Int64(bytes.count)))
            let back = try await Self.collect(backend.read(sha256: sha256, range: nil))
            #expect(back.count == bytes.count)
            #expect(Self.digest(back) == sha256)
            #expect(try await Self.collect(backend.read(sha256: sha256, range: 6_000_000...6_000_099)) == Array(bytes[6_000_000...6_000_099]))
        }
    }

    @Test func theStoreRefusesBytesThatDoNotMatchWhatWasSigned() async throws {
        let client = try TestObjectStore.client()
        let key = "tests/\(UUID().uuidString)"
        // A body whose Content-MD5 is that of other bytes (the empty string's), as a damaged transfer would arrive.
        let response = try await client.send(.PUT, key: key, headers: [("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")], body: ByteBuffer(string: "焊接"))
        #expect(response.status.code == 400)
        #expect(try await client.head(key: key) == nil)
    }

    @Test func aWrongSecretIsRefusedAndSaidSo() async throws {
        let location = try TestObjectStore.location()
        let wrong = S3Client(location: location, credentials: .init(accessKeyID: TestObjectStore.credentials.accessKeyID, secretAccessKey: "wrong"))
        await #expect {
            try await wrong.head(key: "anything") == nil && false
        } throws: { error in
            (error as? S3Error)?.status == 403
        }
        let backend = S3BlobBackend(client: wrong)
        await #expect(throws: BlobStoreUnavailable.self) { try await backend.list() }
    }

    @Test func aStoreThatIsNotThereIsUnavailableNotAnInternalError() async throws {
        let nowhere = try S3Location(parsing: "s3://granary?endpoint=http://127.0.0.1:9")
        let backend = S3BlobBackend(client: S3Client(location: nowhere, credentials: TestObjectStore.credentials))
        await #expect(throws: BlobStoreUnavailable.self) { try await backend.contains(sha256: String(repeating: "a", count: 64)) }
    }

    @Test func aLibraryOverTheObjectStoreStoresReadsVerifiesAndSweepsOrphans() async throws {
        let backend = try TestObjectStore.backend()
        try await TemporaryDirectory.with("s3-library") { folder in
            let library = try Self.library(in: folder, over: backend)
            let teacher = try await TemporaryLibrary.seedTeacherAndCourse(library)
            _ = try await library.catalogue.createPoint(id: "arc", name: "焊接电弧", course: "weld", kind: .knowledge, prerequisites: [], actor: "test")
            let text = "焊接电弧是气体放电现象。" + String(repeating: "熔池保护。", count: 2000)
            let upload = try await library.blobs.beginUpload(containing: Array(text.utf8))
            let metadata = ResourceMetadata(title: "焊接电弧讲义", major: "460110", course: "weld", knowledgePoints: ["arc"], original: true)
            let resource = try await library.resources.create(metadata: metadata, file: upload, author: teacher)
            // Nothing stays in the local folder: the bytes are in the bucket, the text in the database.
            #expect(try library.blobs.temporaryFiles().isEmpty)
            #expect(!FileManager.default.fileExists(atPath: folder + "/blobs/" + BlobStore.key(forSHA256: resource.sha256)))
            #expect(try await backend.contains(sha256: resource.sha256))
            let (_, content, _) = try await library.resources.content(id: resource.id, viewer: teacher)
            #expect(content.localPath == nil)
            #expect(String(decoding: try await content.prefix(18), as: UTF8.self) == "焊接电弧是气")
            let indexed = try await library.database.read { db in
                try db.fetchOne(String.self, sql: "SELECT text FROM blobTexts WHERE sha256 = ?", arguments: [resource.sha256])
            }
            #expect(indexed?.hasPrefix("焊接电弧是气体放电现象") == true)

            #expect(try await LibraryVerifier(library: library).run().isClean)
            // An object no row names is noted, then swept once it is old enough; a damaged one is a problem.
            try await TemporaryDirectory.with("s3-stray") { stray in
                let (path, bytes) = try Self.file(100, in: stray)
                _ = try await backend.store(fileAt: path, sha256: Self.digest(bytes), size: 100)
            }
            let report = try await LibraryVerifier(library: library).run()
            #expect(report.isClean)
            #expect(report.notes.map(\.kind) == ["orphan_blob"])
            #expect(try await library.removeOrphanBlobs(before: Date().addingTimeInterval(-3600)) == 0)
            #expect(try await library.removeOrphanBlobs(before: Date().addingTimeInterval(60)) == 1)
            try await backend.remove(sha256: resource.sha256)
            #expect(try await LibraryVerifier(library: library).run().problems.map(\.kind) == ["missing_blob"])
        }
    }

    @Test func aBackupOfALibraryInTheObjectStoreRestoresIntoAnotherAndVerifiesClean() async throws {
        try await TemporaryDirectory.with("s3-backup") { folder in
            let library = try await Self.library(
                in: folder + "/from",
                over: try TestObjectStore.backend(),
                resources: ["焊接电弧讲义", "熔化极气体保护焊要领"]
            )
            let manifest = try await LibraryBackup.backup(library, to: folder + "/backup")
            #expect(manifest.blobs.count == 2)

            let target = try TestObjectStore.backend()
            try await LibraryBackup.restore(from: folder + "/backup", to: folder + "/to", blobBackend: target, force: false)
            #expect(Set(try await target.list().map(\.sha256)) == Set(manifest.blobs.map(\.sha256)))
            let restored = try Self.library(in: folder + "/to", over: target)
            let report = try await LibraryVerifier(library: restored).run()
            #expect(report.isClean)
            #expect(report.blobsChecked == 2)
            #expect(report.notes.isEmpty)
        }
    }

    @Test func aSingleNodeLibrarysBlobsMoveUpToTheObjectStoreAndBackVerifyingClean() async throws {
        try await TemporaryDirectory.with("s3-copy") { folder in
            let library = try await Self.library(
                in: folder + "/data",
                over: nil,
                resources: ["焊接电弧讲义", "熔化极气体保护焊要领", "焊接电弧讲义"]
            )
            let bucket = try TestObjectStore.backend()
            let first = try await LibraryCopy.blobs(of: library, to: bucket)
            #expect(first.blobs == 2 && first.copied == 2 && first.bytesCopied == 48)
            // Run again (an interrupted copy): nothing is sent twice.
            #expect(try await LibraryCopy.blobs(of: library, to: bucket).copied == 0)

            // The same database served over the bucket: every blob there, nothing else.
            let moved = try Self.library(in: folder + "/data", over: bucket)
            let report = try await LibraryVerifier(library: moved).run()
            #expect(report.isClean && report.blobsChecked == 2 && report.notes.isEmpty)

            // And back down to a folder.
            let back = try FolderBlobBackend(root: folder + "/back")
            #expect(try await LibraryCopy.blobs(of: moved, to: back).copied == 2)
            #expect(Set(try await back.list().map(\.sha256)) == Set(try await bucket.list().map(\.sha256)))
            #expect(try moved.blobs.temporaryFiles().isEmpty)
        }
    }
}
