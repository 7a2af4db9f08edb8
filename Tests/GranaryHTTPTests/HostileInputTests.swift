import Foundation
import GranaryModel
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GranaryAssessment

/// Input made to hurt (SPEC §8, issue 8): zip bombs, deeply nested XML and JSON, oversized metadata, paths in file
/// names, invalid UTF-8 and NUL characters. Each gets a 4xx problem that says what was wrong, and leaves nothing
/// behind: no row, no stored blob, no temporary file.
@Suite struct HostileInputTests {
    /// A library with the seeded catalogue and a teacher, and what must stay empty after a refused request.
    private func withTeacher(_ body: @escaping @Sendable (any TestClientProtocol, TestLibrary, String) async throws -> Void) async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            try await body(client, lib, teacher)
            #expect(try await lib.count("resources") == 0)
            #expect(try await lib.count("questions") == 0)
            #expect(try await lib.blobFiles().isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: lib.directory + "/tmp").isEmpty)
        }
    }

    private func importQTI(_ client: any TestClientProtocol, _ body: [UInt8], contentType: String, token: String) async throws -> TestResponse {
        try await client.executeRequest(
            uri: "/api/v1/questions/import?course=weld&knowledgePoints=arc",
            method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: contentType],
            body: ByteBuffer(bytes: body)
        )
    }

    /// A multipart upload whose `file` part carries `disposition` as its Content-Disposition.
    private func upload(_ client: any TestClientProtocol, disposition: String, token: String) async throws -> TestResponse {
        let boundary = "hostile-boundary"
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n\(validMetadata)\r\n")
        body.writeString("--\(boundary)\r\nContent-Disposition: \(disposition)\r\n\r\n焊接电弧笔记\r\n--\(boundary)--\r\n")
        return try await client.executeRequest(
            uri: "/api/v1/resources",
            method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=\(boundary)"],
            body: body
        )
    }

    @Test func aZipBombIsRefusedAsAResourceAndAsAQuestionPackage() async throws {
        // 300 KB on disk, 300 MiB of zeros once inflated (Tests/Fixtures/README.md).
        let bomb = try fixture("zip-bomb.docx")
        try await self.withTeacher { client, _, teacher in
            let upload = try await client.upload(bomb, metadata: validMetadata, token: teacher)
            #expect(upload.status == .unsupportedMediaType)
            let problem = try upload.problem()
            #expect(problem.code == "unsupported_media")
            #expect(problem.detail.contains("压缩炸弹"))
            #expect(problem.detail.contains("300 MiB"))

            let imported = try await self.importQTI(client, bomb, contentType: "application/zip", token: teacher)
            #expect(imported.status == .contentTooLarge)
            #expect(try imported.problem().detail.contains("压缩炸弹"))
        }
    }

    @Test func anOrdinaryOfficeFileAndPackageAreNotTakenForBombs() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            for file in ["process-card.docx", "weld-lesson.pptx", "simulation.zip"] {
                #expect(try await client.upload(try fixture(file), metadata: validMetadata, token: teacher).status == .created, "\(file)")
            }
        }
    }

    @Test func aPackageOfWhichNothingImportsIsRefusedFileByFile() async throws {
        // Two items: one nested past libxml2's depth limit, one not QTI at all.
        let deep =
            #"<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1">"# + String(repeating: "<div>", count: 5_000)
            + String(repeating: "</div>", count: 5_000) + "</assessmentItem>"
        var zip = try ZipBuilder()
        try zip.add("deep.xml", Array(deep.utf8))
        try zip.add("other.xml", Array("<note>not an item</note>".utf8))
        let package = try zip.finish()
        try await self.withTeacher { client, _, teacher in
            let response = try await self.importQTI(client, package, contentType: "application/zip", token: teacher)
            #expect(response.status == .unprocessableContent)
            let problem = try response.problem()
            #expect(problem.code == "validation_failed")
            #expect(Set(problem.errors.map(\.field)) == ["deep.xml", "other.xml"])
            #expect(problem.errors.first { $0.field == "deep.xml" }?.message.contains("nested deeper than") == true)
        }
    }

    @Test func deeplyNestedXMLIsAMalformedDocumentNotACrash() async throws {
        let deep =
            #"<?xml version="1.0"?><assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1">"#
            + String(repeating: "<div>", count: 100_000) + String(repeating: "</div>", count: 100_000) + "</assessmentItem>"
        try await self.withTeacher { client, _, teacher in
            let response = try await self.importQTI(client, Array(deep.utf8), contentType: "application/xml", token: teacher)
            #expect(response.status == .badRequest)
            let problem = try response.problem()
            #expect(problem.code == "invalid_document")
            #expect(problem.detail.contains("nested deeper than 256 levels"))
            #expect(!problem.detail.contains("XML_PARSE_HUGE"))
        }
    }

    @Test func deeplyNestedJSONIsRefused() async throws {
        let arrays = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let objects = String(repeating: #"{"a":"#, count: 50_000) + "1" + String(repeating: "}", count: 50_000)
        try await self.withTeacher { client, _, teacher in
            #expect(try await client.call(.post, "/api/v1/questions", token: teacher, json: arrays).problem().code == "invalid_document")
            #expect(try await client.call(.post, "/api/v1/offerings", token: teacher, json: objects).problem().code == "invalid_document")
            let upload = try await client.upload(Array("焊接".utf8), metadata: objects, token: teacher)
            #expect(upload.status == .badRequest)
            #expect(try upload.problem().code == "invalid_document")
        }
    }

    @Test func tenMegabytesOfMetadataOrJSONIsTooLarge() async throws {
        let description = String(repeating: "焊", count: (10 << 20) / 3)
        let huge = #"{"title":"电弧","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true,"description":"\#(description)"}"#
        try await self.withTeacher { client, _, teacher in
            let upload = try await client.upload(Array("焊接".utf8), metadata: huge, token: teacher)
            #expect(upload.status == .contentTooLarge)
            #expect(try upload.problem().detail.contains("1 MiB"))
            let question = try await client.call(.post, "/api/v1/questions", token: teacher, json: huge)
            #expect(question.status == .contentTooLarge)
            #expect(try question.problem().code == "payload_too_large")
            let patch = try await client.call(.patch, "/api/v1/resources/\(UUID().uuidString.lowercased())", token: teacher, json: huge)
            #expect(patch.status == .contentTooLarge)
        }
    }

    @Test(arguments: [
        #"form-data; name="file"; filename="../../etc/passwd""#,
        #"form-data; name="file"; filename="..\..\boot.ini""#,
        #"form-data; name="file"; filename="/etc/cron.d/x""#,
        #"form-data; name="file"; filename="..""#,
        "form-data; name=\"file\"; filename=\"a\u{0}.txt\"",
        "form-data; name=\"file\"; filename=\"a\u{1B}[31m.txt\"",
        #"form-data; name="file"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd"#,
    ])
    func aFileNameWithAPathOrControlCharactersIsRefused(disposition: String) async throws {
        try await self.withTeacher { client, _, teacher in
            let response = try await self.upload(client, disposition: disposition, token: teacher)
            #expect(response.status == .badRequest)
            let problem = try response.problem()
            #expect(problem.code == "invalid_multipart")
            #expect(problem.detail.contains("文件名"))
        }
    }

    @Test func aPlainChineseFileNameIsAccepted() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let response = try await self.upload(client, disposition: #"form-data; name="file"; filename="焊接..笔记 v2.txt""#, token: teacher)
            #expect(response.status == .created)
        }
    }

    @Test func pathTraversalInTheURLFindsNothing() async throws {
        try await self.withTeacher { client, _, teacher in
            for uri in [
                "/api/v1/resources/..%2F..%2Fetc%2Fpasswd/content", "/static/../../Package.swift", "/static/..%2F..%2FPackage.swift",
                "/api/v1/courses/..%2F..%2F",
            ] {
                let response = try await client.call(.get, uri, token: teacher)
                #expect([.badRequest, .notFound].contains(response.status), "\(uri)")
                #expect(!response.body.string.contains("swift-tools-version"), "\(uri)")
            }
        }
    }

    @Test func invalidUTF8IsRefusedInBodiesQueriesAndDocuments() async throws {
        try await self.withTeacher { client, _, teacher in
            let json = try await client.executeRequest(
                uri: "/api/v1/questions",
                method: .post,
                headers: [.authorization: "Bearer \(teacher)", .contentType: "application/json"],
                body: ByteBuffer(bytes: Array(#"{"stem":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8))
            )
            #expect(try json.problem().code == "invalid_document")
            let metadata = String(decoding: Array(#"{"title":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8), as: UTF8.self)
            #expect(metadata.contains("\u{FFFD}"))  // what a lenient reader would have stored
            var body = ByteBuffer()
            body.writeString("--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"title\":\"")
            body.writeBytes([0xC3, 0x28])
            body.writeString("\"}\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc\r\n--b--\r\n")
            let upload = try await client.executeRequest(
                uri: "/api/v1/resources",
                method: .post,
                headers: [.authorization: "Bearer \(teacher)", .contentType: "multipart/form-data; boundary=b"],
                body: body
            )
            #expect(upload.status == .badRequest)
            for uri in ["/api/v1/search?q=%FF%FE", "/api/v1/search?q=%C3%28", "/api/v1/courses/%FF", "/search?q=%E7%84"] {
                let response = try await client.call(.get, uri, token: teacher)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try response.problem().code == "invalid_query", "\(uri)")
            }
            let xml =
                Array(#"<?xml version="1.0" encoding="UTF-8"?><assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" title=""#.utf8)
                + [0xFF] + Array(#""/>"#.utf8)
            let imported = try await self.importQTI(client, xml, contentType: "application/xml", token: teacher)
            #expect(imported.status == .badRequest)
            #expect(try imported.problem().detail.contains("UTF-8"))
        }
    }

    @Test func nulCharactersAreRefusedWhereverTheyHide() async throws {
        try await self.withTeacher { client, _, teacher in
            let metadata = #"{"title":"电弧\u0000特性","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true}"#
            let upload = try await client.upload(Array("焊接".utf8), metadata: metadata, token: teacher)
            #expect(upload.status == .badRequest)
            #expect(try upload.problem().detail.contains("\\u0000"))
            let offering = try await client.call(.post, "/api/v1/offerings", token: teacher, json: #"{"title":"焊接\u0000","units":[]}"#)
            #expect(try offering.problem().code == "invalid_document")
            let raw = try await client.executeRequest(
                uri: "/api/v1/offerings",
                method: .post,
                headers: [.authorization: "Bearer \(teacher)", .contentType: "application/json"],
                body: ByteBuffer(bytes: Array(#"{"title":"焊"#.utf8) + [0] + Array(#"","units":[]}"#.utf8))
            )
            #expect(try raw.problem().code == "invalid_document")
            let logIn = try await client.call(.post, "/api/v1/sessions", json: #"{"username":"zhang\u0000","password":"Passw0rd-123"}"#)
            #expect(logIn.status == .badRequest)
            let search = try await client.call(.get, "/api/v1/search?q=%E7%84%8A%00", token: teacher)
            #expect(try search.problem().code == "invalid_query")
            // An escaped backslash before "u0000" is text, not a NUL.
            let text = try await client.call(
                .post,
                "/api/v1/offerings",
                token: teacher,
                json: #"{"title":"C:\\u0000 目录","course":"weld","units":[]}"#
            )
            #expect(text.status == .created)
            #expect(try text.decode([String: JSONValue].self)["title"] == .string(#"C:\u0000 目录"#))
        }
    }
}

/// A zip archive built in the test (deflated entries), through the exporter's writer.
private struct ZipBuilder {
    private var writer: ZipWriter

    init() throws { self.writer = ZipWriter(modified: Date()) }

    mutating func add(_ name: String, _ bytes: [UInt8]) throws { try self.writer.add(name, bytes) }

    func finish() throws -> [UInt8] { try self.writer.finish() }
}
