import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ResourceDownloadTests {
    /// A library with one uploaded PDF; runs `body` with a client, the teacher's token and the resource.
    private func withPDF(_ body: @escaping @Sendable (any TestClientProtocol, String, Resource) async throws -> Void) async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token).decode(Resource.self)
            try await body(client, token, resource)
        }
    }

    @Test func aDownloadOfAnUnpublishedVersionIsAuditedOncePerDownloadAndAPublishedOneIsNot() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xue", .learner)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token).decode(Resource.self)
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token).status == .ok)
            // A later range of the same download, and a HEAD, are not downloads of their own.
            let range = try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token, headers: [.range: "bytes=10-"])
            #expect(range.status == .partialContent)
            #expect(try await client.call(.head, "/api/v1/resources/\(resource.id)/content", token: token).status == .ok)
            try await lib.publish(resource.id)
            let learner = try await client.logIn("xue")
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: learner).status == .ok)
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token).status == .ok)
        }
        let audited = try await lib.library.database.read { db in
            try db.fetchAll(sql: "SELECT actor, address, outcome, after FROM events WHERE action = 'resource.unpublished_downloaded'")
        }
        #expect(audited.count == 1)
        #expect(audited.first?["actor"] as String? == "zhang" && audited.first?["outcome"] as String? == "success")
        #expect(audited.first?["address"] as String? != nil && (audited.first?["after"] as String?)?.contains("\"version\":1") == true)
    }

    @Test func theBytesComeBackWithTheirHashAsETagAndTheChineseNameEncoded() async throws {
        try await self.withPDF { client, token, resource in
            let response = try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token)
            #expect(response.status == .ok)
            #expect(Array(response.body.readableBytesView) == (try fixture("wps.pdf")))
            #expect(response.headers[.eTag] == "\"\(resource.sha256)\"")
            #expect(response.headers[.contentType] == "application/pdf")
            #expect(response.headers[.contentLength] == String(resource.size))
            #expect(response.headers[.acceptRanges] == "bytes")
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            // The browser's PDF viewer refuses a sandboxed response; the PDF still may load nothing else.
            #expect(response.headers[.contentSecurityPolicy]?.contains("sandbox") == false)
            #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
            let disposition = try #require(response.headers[.contentDisposition])
            #expect(disposition.hasPrefix("inline; filename=\"\(resource.id).pdf\""))
            // 智能焊接技术_焊接方法与设备_焊接电弧_文档_原创.pdf, RFC 5987-encoded.
            let encoded = "智能焊接技术_焊接方法与设备_焊接电弧_文档_原创.pdf".addingPercentEncoding(
                withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "._-"))
            )!
            #expect(disposition.hasSuffix("filename*=UTF-8''\(encoded)"))

            let forced = try await client.call(.get, "/api/v1/resources/\(resource.id)/content?download=true", token: token)
            #expect(forced.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
        }
    }

    @Test func aMatchingETagIsNotModified() async throws {
        try await self.withPDF { client, token, resource in
            let etag = "\"\(resource.sha256)\""
            let cached = try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token, headers: [.ifNoneMatch: etag])
            #expect(cached.status == .notModified)
            #expect(cached.body.readableBytes == 0)
            #expect(cached.headers[.eTag] == etag)
            let stale = try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token, headers: [.ifNoneMatch: "\"other\""])
            #expect(stale.status == .ok)
        }
    }

    @Test func rangesAnswerWithPartialContent() async throws {
        try await self.withPDF { client, token, resource in
            let bytes = try fixture("wps.pdf")
            let uri = "/api/v1/resources/\(resource.id)/content"
            let first = try await client.call(.get, uri, token: token, headers: [.range: "bytes=0-7"])
            #expect(first.status == .partialContent)
            #expect(Array(first.body.readableBytesView) == Array(bytes[0..<8]))
            #expect(first.headers[.contentRange] == "bytes 0-7/\(bytes.count)")

            let suffix = try await client.call(.get, uri, token: token, headers: [.range: "bytes=-6"])
            #expect(Array(suffix.body.readableBytesView) == Array(bytes.suffix(6)))

            let open = try await client.call(.get, uri, token: token, headers: [.range: "bytes=600-"])
            #expect(Array(open.body.readableBytesView) == Array(bytes[600...]))

            let beyond = try await client.call(.get, uri, token: token, headers: [.range: "bytes=5000-6000"])
            #expect(beyond.status == .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */\(bytes.count)")
            #expect(try beyond.problem().code == "range_not_satisfiable")

            let changed = try await client.call(.get, uri, token: token, headers: [.range: "bytes=0-7", .ifRange: "\"old\""])
            #expect(changed.status == .ok)

            let head = try await client.call(.head, uri, token: token)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(bytes.count))
        }
    }

    @Test func markupIsNeverServedInline() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let html = Array("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>".utf8)
            let resource = try await client.upload(html, metadata: validMetadata, token: token).decode(Resource.self)
            #expect(resource.mime == "text/html")
            #expect(resource.kind == .courseware)
            let response = try await client.call(.get, "/api/v1/resources/\(resource.id)/content", token: token)
            #expect(response.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(response.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
        }
    }

    @Test func unknownAndMalformedIdsAreProblems() async throws {
        try await self.withPDF { client, token, _ in
            let missing = try await client.call(.get, "/api/v1/resources/\(UUID().uuidString)/content", token: token)
            #expect(missing.status == .notFound)
            #expect(try missing.problem().code == "not_found")
            let malformed = try await client.call(.get, "/api/v1/resources/not-a-uuid", token: token)
            #expect(malformed.status == .badRequest)
            #expect(try malformed.problem().code == "invalid_document")
        }
    }
}
