import Crypto
import Foundation
import GranaryAssessment
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Files questions show in place: uploaded and typed by libmagic, named by versions, served by the bank's rules and
/// the attempt's, brought by imports and carried by exports.
@Suite struct QuestionFileTests {
    /// Uploads `bytes` as a question file named `name`.
    static func upload(_ client: some TestClientProtocol, _ bytes: [UInt8], name: String, token: String) async throws -> TestResponse {
        try await client.executeRequest(
            uri: "/api/v1/questions/files?name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)",
            method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"],
            body: ByteBuffer(bytes: bytes)
        )
    }

    /// A PNG of `width` × `height` pixels of one colour (each colour different bytes).
    static func png(_ width: Int, _ height: Int, red: UInt8) -> [UInt8] {
        func chunk(_ kind: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(kind.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> UInt32($0)) & 0xFF) } }
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        // Stored (uncompressed) deflate blocks inside a zlib stream, with its Adler-32.
        let raw = (0..<height).flatMap { _ in [0] + (0..<width).flatMap { _ in [red, 40, 40] } } as [UInt8]
        var stream: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let piece = Array(raw[offset..<min(offset + 65_535, raw.count)])
            offset += piece.count
            let length = UInt16(piece.count)
            stream += [offset >= raw.count ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)] + piece
        } while offset < raw.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in raw {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        stream += bigEndian(b << 16 | a)
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", stream) + chunk("IEND", [])
    }

    @Test func aTeacherUploadsPicturesOnlyAndAQuestionNamesThemByTheirDigest() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let picture = Self.png(12, 8, red: 200)
            let uploaded = try await Self.upload(client, picture, name: "焊缝.png", token: token)
            #expect(uploaded.status == .created, "\(uploaded.body.string)")
            let file = try uploaded.decode(Question.Attachment.self)
            #expect(file.name == "焊缝.png" && file.mime == "image/png" && file.size == Int64(picture.count))

            // What is no picture, sound or film, an empty body, a missing name and a learner are refused in Chinese.
            let pdf = try await Self.upload(client, try fixture("wps.pdf"), name: "notes.pdf", token: token)
            #expect(pdf.status == .unsupportedMediaType)
            #expect(try pdf.problem().detail.contains("试题中只能显示图片、音频和视频"))
            #expect(try await Self.upload(client, [], name: "x.png", token: token).problem().code == "empty_file")
            #expect(try await Self.upload(client, try fixture("true.elf"), name: "x.png", token: token).status == .unsupportedMediaType)
            #expect(try await Self.upload(client, picture, name: "a]b.png", token: token).problem().code == "validation_failed")
            let unnamed = try await client.call(.post, "/api/v1/questions/files", token: token, headers: [.contentType: "image/png"])
            #expect(try unnamed.problem().code == "invalid_query")
            #expect(try await Self.upload(client, picture, name: "x.png", token: try await client.logIn("xs")).status == .forbidden)

            // A question names the file; the type and size come from the store, not from the request.
            let body = """
                {"course":"weld","knowledgePoints":["arc"],"type":"judge","difficulty":2,"stem":"图中焊缝合格。[图片：焊缝.png]","answer":false,"score":1,
                 "attachments":[{"name":"焊缝.png","sha256":"\(file.sha256)","mime":"text/html","size":1}]}
                """
            let created = try await client.call(.post, "/api/v1/questions", token: token, json: body)
            #expect(created.status == .created, "\(created.body.string)")
            let question = try created.decode(Question.self)
            #expect(question.attachments == [file])

            let unknown = body.replacingOccurrences(of: file.sha256, with: String(repeating: "a", count: 64))
            let refused = try await client.call(.post, "/api/v1/questions", token: token, json: unknown)
            #expect(try refused.problem().errors.map(\.field) == ["attachments[0].sha256"])
            #expect(try refused.problem().errors.first?.message.contains("请先上传") == true)
            let twice = body.replacingOccurrences(of: "}]}", with: "},{\"name\":\"焊缝.png\",\"sha256\":\"\(file.sha256)\"}]}")
            #expect(
                try await client.call(.post, "/api/v1/questions", token: token, json: twice).problem().errors.map(\.field) == ["attachments[1].name"]
            )

            // A change without attachments keeps them; an empty list removes them.
            let kept = try await client.call(.patch, "/api/v1/questions/\(question.id)", token: token, json: #"{"difficulty":3}"#)
            #expect(try kept.decode(Question.self).attachments == [file])
            let removed = try await client.call(.patch, "/api/v1/questions/\(question.id)", token: token, json: #"{"attachments":[]}"#)
            #expect(try removed.decode(Question.self).attachments == [])
        }
    }

    @Test func theBankServesAFileToThoseWhoMayReadTheVersionThatNamesIt() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("li", .teacher), ("xs", .learner)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let picture = Self.png(30, 20, red: 90)
            let file = try await Self.upload(client, picture, name: "bead.png", token: token).decode(Question.Attachment.self)
            let body = """
                {"course":"weld","knowledgePoints":["arc"],"type":"judge","difficulty":2,"stem":"[图片：bead.png] 合格吗？","answer":true,"score":1,
                 "attachments":[{"name":"bead.png","sha256":"\(file.sha256)"}]}
                """
            let question = try await client.call(.post, "/api/v1/questions", token: token, json: body).decode(Question.self)
            let path = "/api/v1/questions/\(question.id)/files/\(file.sha256)"
            let served = try await client.call(.get, path, token: token)
            #expect(served.status == .ok)
            #expect(Array(served.body.readableBytesView) == picture)
            #expect(served.headers[.contentType] == "image/png")
            #expect(served.headers[.eTag] == "\"\(file.sha256)\"")
            #expect(served.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(served.headers[.xContentTypeOptions] == "nosniff")
            let part = try await client.call(.get, path, token: token, headers: [.range: "bytes=0-7"])
            #expect(part.status == .partialContent && part.body.readableBytes == 8)
            #expect(try await client.call(.head, path, token: token).headers[.contentLength] == String(picture.count))

            // Another teacher sees published versions only; a learner sees files through attempts; a digest the
            // question does not name is not there.
            let li = try await client.logIn("li")
            #expect(try await client.call(.get, path, token: li).status == .notFound)
            #expect(try await client.call(.get, path, token: try await client.logIn("xs")).status == .forbidden)
            let other = String(repeating: "b", count: 64)
            #expect(try await client.call(.get, "/api/v1/questions/\(question.id)/files/\(other)", token: token).status == .notFound)
            // The question's page draws the picture from the bank's route and offers its author to send it to review;
            // to another teacher a draft is not there, to a learner the page is refused.
            let page = try await client.page("/questions/\(question.id)", cookies: try await client.webLogIn("zhang"))
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains(#"<img class="question-file" src="\#(path)" alt="bead.png"> 合格吗？"#))
            #expect(html.contains("<title>判断题：（图片） 合格吗？"))
            #expect(html.contains(#"data-submit-question="\#(question.id)""#))
            #expect(try await client.page("/questions/\(question.id)", cookies: try await client.webLogIn("li")).status == .notFound)
            #expect(try await client.page("/questions/\(question.id)", cookies: try await client.webLogIn("xs")).status == .forbidden)
            try await lib.library.database.write { db in try ReviewedItems.questions.publishCurrentVersion(db, id: question.id) }
            #expect(try await client.call(.get, path, token: li).status == .ok)
            let published = try await client.page("/questions/\(question.id)", cookies: try await client.webLogIn("li")).body.string
            #expect(published.contains(path) && !published.contains("data-submit-question"))
        }
    }

    @Test func aLearnerSeesTheFilesOfHisAttemptAndTheAnalysisFilesOnlyAfterSubmitting() async throws {
        let lib = try await TestLibrary.seeded([("xs", .learner), ("other", .learner)])
        let zhang = try await lib.addUser("zhang", .teacher)
        let files = QuestionFiles(database: lib.library.database, blobs: lib.library.blobs, inspector: lib.library.inspector)
        let stem = try await files.keep(Self.png(20, 10, red: 10), name: "stem.png")
        let option = try await files.keep(Self.png(20, 10, red: 20), name: "option.png")
        let analysis = try await files.keep(Self.png(20, 10, red: 30), name: "analysis.png")
        let film = try await files.keep(try fixture("weld-demo.mp4"), name: "arc.mp4")
        let question = try await PaperTests.published(
            lib,
            .init(
                course: "weld",
                knowledgePoints: ["arc"],
                type: .single,
                difficulty: 2,
                stem: "看图和视频：[图片：stem.png][视频：arc.mp4] 写作 [图片：不存在.png] 的不是文件",
                options: [.init(id: "A", text: "[图片：option.png]"), .init(id: "B", text: "都不是")],
                answer: .string("A"),
                analysis: "对照：[图片：analysis.png]",
                score: 2,
                attachments: [stem, option, analysis, film]
            ),
            by: zhang
        )
        let paper = try await PaperStore(database: lib.library.database).create(course: "weld", title: "看图", questions: [question], author: zhang)
        try await lib.test { client in
            let token = try await client.logIn("xs")
            let attempt = try await client.call(.post, "/api/v1/papers/\(paper.id)/attempts", token: token).decode(Attempt.self)
            #expect(attempt.questions[0].files.map(\.name) == ["stem.png", "option.png", "arc.mp4"])
            func status(_ file: Question.Attachment, _ who: String) async throws -> HTTPResponse.Status {
                try await client.call(.get, "/api/v1/attempts/\(attempt.id)/files/\(file.sha256)", token: who).status
            }
            #expect(try await status(stem, token) == .ok)
            #expect(try await status(film, token) == .ok)
            #expect(try await status(analysis, token) == .notFound)
            #expect(try await status(stem, try await client.logIn("other")) == .notFound)
            #expect(try await status(stem, try await client.logIn("zhang")) == .ok)

            // The page draws them in place, from the attempt's route; a marker naming no file stays words.
            let page = try await client.page("/attempts/\(attempt.id)", cookies: try await client.webLogIn("xs")).body.string
            #expect(page.contains(#"<img class="question-file" src="/api/v1/attempts/\#(attempt.id)/files/\#(stem.sha256)" alt="stem.png">"#))
            #expect(
                page.contains(
                    #"<video class="question-file" controls preload="metadata" src="/api/v1/attempts/\#(attempt.id)/files/\#(film.sha256)""#
                )
            )
            #expect(page.contains(#"<img class="question-file" src="/api/v1/attempts/\#(attempt.id)/files/\#(option.sha256)""#))
            #expect(page.contains("写作 [图片：不存在.png] 的不是文件"))
            #expect(!page.contains(analysis.sha256))

            #expect(
                try await client.call(.put, "/api/v1/attempts/\(attempt.id)/answers", token: token, json: #"{"answers":{"\#(question)":"A"}}"#).status
                    == .ok
            )
            #expect(try await client.call(.post, "/api/v1/attempts/\(attempt.id)/submit", token: token).status == .ok)
            #expect(try await status(analysis, token) == .ok)
            let done = try await client.page("/attempts/\(attempt.id)", cookies: try await client.webLogIn("xs")).body.string
            #expect(done.contains(#"对照：<img class="question-file" src="/api/v1/attempts/\#(attempt.id)/files/\#(analysis.sha256)""#))
        }
    }

    @Test func importedFilesTravelBackOutInEveryExport() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            func importFile(_ bytes: [UInt8], name: String) async throws -> QTIReport {
                let response = try await client.executeRequest(
                    uri: "/api/v1/questions/import?course=weld&knowledgePoints=arc&name=\(name)",
                    method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"],
                    body: ByteBuffer(bytes: bytes)
                )
                #expect(response.status == .created, "\(name): \(response.body.string)")
                return try response.decode(QTIReport.self)
            }
            func question(_ id: String) async throws -> Question {
                try await client.call(.get, "/api/v1/questions/\(id)", token: token).decode(Question.self)
            }
            let report = try await importFile(try fixture("question-formats/welding-media-qti.zip"), name: "media.zip")
            #expect(report.imported.count == 2)
            let bead = try await question(report.imported[0])
            #expect(bead.attachments.map(\.name) == ["bead.png", "pore.png", "crack x.png"])
            for id in report.imported {
                try await lib.library.database.write { db in try ReviewedItems.questions.publishCurrentVersion(db, id: id) }
            }
            let digests = Set(bead.attachments.map(\.sha256))

            // Each export, imported again, brings the same bytes back as files of the question.
            for format in ["qti21", "qti30", "moodle"] {
                let exported = try await client.call(.get, "/api/v1/courses/weld/questions/export?format=\(format)", token: token)
                #expect(exported.status == .ok)
                let again = try await importFile(Array(exported.body.readableBytesView), name: format == "moodle" ? "bank.xml" : "bank.zip")
                let copies = try await again.imported.asyncMap(question)
                let copy = try #require(copies.first { $0.stem.contains("下图焊缝中的缺陷") }, "\(format)")
                #expect(Set(copy.attachments.map(\.sha256)) == digests, "\(format)")
                #expect(copy.options.map(\.text).prefix(2) == ["[图片：pore.png]", "[图片：crack x.png]"], "\(format)")
                let film = try #require(copies.first { $0.stem.contains("熔滴过渡") }, "\(format)")
                #expect(film.attachments.map(\.mime) == ["video/mp4"], "\(format)")
            }
            // The Word paper draws each picture once, in place, as a part of the document with its relationship.
            let paper = try await client.call(.get, "/api/v1/courses/weld/questions/export?format=docx", token: token)
            let path = lib.directory + "/paper.docx"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(paper.body.readableBytesView)))
            let archive = try #require(ZipArchive(path: path))
            var parts: [String: [UInt8]] = [:]
            for entry in archive.entries {
                var bytes: [UInt8] = []
                _ = archive.read(entry, maximumBytes: 1 << 20) { chunk in
                    bytes += chunk
                    return true
                }
                parts[entry.name] = bytes
            }
            let pictures = parts.filter { $0.key.hasPrefix("word/media/") }
            #expect(Set(pictures.values.map { SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined() }) == digests)
            let document = String(decoding: parts["word/document.xml"] ?? [], as: UTF8.self)
            #expect(document.components(separatedBy: "<a:blip r:embed=").count - 1 == 4)
            #expect(document.contains("[媒体：arc.mp4]") || document.contains("[视频：arc.mp4]"))
            let relationships = String(decoding: parts["word/_rels/document.xml.rels"] ?? [], as: UTF8.self)
            #expect(relationships.components(separatedBy: "relationships/image").count - 1 == 3)
            #expect(String(decoding: parts["[Content_Types].xml"] ?? [], as: UTF8.self).contains(#"Extension="png""#))
        }
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
