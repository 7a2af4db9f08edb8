import Foundation
import GranaryModel
import GranaryS3
import GranaryStore
import GranaryTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The service over blobs in a real S3 store (SeaweedFS), as a cluster node runs: uploads land in the bucket,
/// downloads and a video player's ranges stream back from it, and a store that is down is a clear 503 with nothing
/// half-written.
@Suite struct ObjectStoreTests {
    private static func seeded(_ backend: any BlobBackend) async throws -> TestLibrary {
        let lib = try await TestLibrary(blobBackend: backend)
        try await lib.addUser("zhang", .teacher)
        try await lib.seedCatalogue()
        return lib
    }

    @Test func uploadsLandInTheBucketAndComeBackWholeAndInRanges() async throws {
        let lib = try await Self.seeded(try TestObjectStore.backend())
        let video = try fixture("weld-demo.mp4")
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let created = try await client.upload(video, metadata: validMetadata, token: token)
            #expect(created.status == .created)
            let resource = try created.decode(Resource.self)
            #expect(resource.mime == "video/mp4")
            let uri = "/api/v1/resources/\(resource.id)/content"

            let health = try await client.call(.get, "/api/v1/health").decode([String: JSONValue].self)
            #expect(health["blobs"] == .string("ok"))
            let whole = try await client.call(.get, uri, token: token)
            #expect(whole.status == .ok)
            #expect(Array(whole.body.readableBytesView) == video)
            #expect(whole.headers[.contentLength] == String(video.count))

            let part = try await client.call(.get, uri, token: token, headers: [.range: "bytes=100-1123"])
            #expect(part.status == .partialContent)
            #expect(Array(part.body.readableBytesView) == Array(video[100...1123]))
            #expect(part.headers[.contentRange] == "bytes 100-1123/\(video.count)")
            let tail = try await client.call(.get, uri, token: token, headers: [.range: "bytes=-16"])
            #expect(Array(tail.body.readableBytesView) == Array(video.suffix(16)))
            let head = try await client.call(.head, uri, token: token)
            #expect(head.headers[.contentLength] == String(video.count))
            #expect(head.body.readableBytes == 0)

            // A new version's bytes go to the bucket too; the old version still reads back.
            let notes = try fixture("arc-notes.txt")
            #expect(try await client.upload(notes, metadata: nil, token: token, to: resource.id).status == .ok)
            #expect(Array(try await client.call(.get, uri, token: token).body.readableBytesView) == notes)
            #expect(Array(try await client.call(.get, uri + "?version=1", token: token).body.readableBytesView) == video)
        }
        let stored = try await lib.blobFiles()
        #expect(stored.count == 2)
        #expect(!FileManager.default.fileExists(atPath: lib.directory + "/blobs/" + stored[0]))
        #expect(try await LibraryVerifier(library: lib.library).run().isClean)
    }

    @Test func aStoreThatIsDownGivesAChinese503AndNothingIsHalfWritten() async throws {
        let nowhere = try S3Location(parsing: "s3://granary?endpoint=http://127.0.0.1:9")
        let lib = try await Self.seeded(S3BlobBackend(client: S3Client(location: nowhere, credentials: TestObjectStore.credentials)))
        try await lib.test { client in
            // The node stays in the balancer (every node shares the store) but says what is wrong.
            let health = try await client.call(.get, "/api/v1/health")
            #expect(health.status == .ok)
            let said = try health.decode([String: JSONValue].self)
            #expect(said["status"] == .string("degraded"))
            #expect(said["blobs"] == .string("unavailable"))
            let token = try await client.logIn("zhang")
            let response = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "5")
            let problem = try response.problem()
            #expect(problem.code == "storage_unavailable")
            #expect(problem.detail.contains("文件存储服务暂时无法访问"))
            // The store's address stays in the log, not in the answer.
            #expect(!problem.detail.contains("127.0.0.1"))
        }
        #expect(try await lib.count("resources") == 0)
        #expect(try lib.library.blobs.temporaryFiles().isEmpty)
    }
}
