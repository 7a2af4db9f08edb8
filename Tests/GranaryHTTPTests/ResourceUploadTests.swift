import Crypto
import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ResourceUploadTests {
    @Test func anUploadIsStoredByItsHashTypedFromItsBytesAndNamedCanonically() async throws {
        let lib = try await TestLibrary.seeded()
        let png = try fixture("weld-bead.png")
        let resource = try await lib.test { client in
            let token = try await client.logIn("zhang")
            // The file name claims a video: the bytes decide.
            let (body, contentType) = multipart(metadata: validMetadata, file: png, fileName: "lecture.mp4")
            let response = try await client.executeRequest(
                uri: "/api/v1/resources",
                method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: contentType],
                body: body
            )
            #expect(response.status == .created)
            let resource = try response.decode(Resource.self)
            #expect(response.headers[.location] == "/api/v1/resources/\(resource.id)")
            return resource
        }
        let digest = SHA256.hash(data: png).map { String(format: "%02x", $0) }.joined()
        #expect(resource.sha256 == digest)
        #expect(resource.mime == "image/png")
        #expect(resource.kind == .image)
        #expect(resource.size == Int64(png.count))
        #expect(resource.canonicalName == "智能焊接技术_焊接方法与设备_焊接电弧_图形图像_原创.png")
        #expect(resource.status == .draft)
        #expect(resource.version == 1)
        #expect(resource.createdBy == "zhang")
        #expect(try await lib.storedBytes(digest) == png)
        #expect(try lib.library.blobs.temporaryFiles().isEmpty)
    }

    @Test(arguments: [
        ("weld-demo.mp4", "video/mp4", ResourceKind.video, "mp4"),
        ("wps.pdf", "application/pdf", .document, "pdf"),
        ("process-card.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", .document, "docx"),
        ("simulation.zip", "application/zip", .other, "zip"),
        ("arc-notes.txt", "text/plain", .text, "txt"),
    ])
    func everyKindOfFileGetsItsKindFromItsBytes(file: String, mime: String, kind: ResourceKind, fileExtension: String) async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let response = try await client.upload(try fixture(file), metadata: validMetadata, token: token)
            #expect(response.status == .created)
            let resource = try response.decode(Resource.self)
            #expect(resource.mime == mime)
            #expect(resource.kind == kind)
            #expect(resource.canonicalName.hasSuffix("_\(kind.chineseName)_原创.\(fileExtension)"))
        }
    }

    @Test func missingRequiredMetadataIsRejectedNamingEveryField() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let response = try await client.upload(try fixture("wps.pdf"), metadata: #"{"title":"没有元数据","knowledgePoints":[]}"#, token: token)
            #expect(response.status == .unprocessableContent)
            let problem = try response.problem()
            #expect(problem.code == "missing_metadata")
            #expect(Set(problem.errors.map(\.field)) == ["major", "course", "knowledgePoints", "original"])

            let noPart = try await client.upload(try fixture("wps.pdf"), metadata: nil, token: token)
            #expect(noPart.status == .unprocessableContent)
            #expect(try noPart.problem().code == "missing_metadata")
        }
        #expect(try await lib.count("resources") == 0)
        #expect(try await lib.blobFiles().isEmpty)
    }

    @Test func wronglyTypedMetadataIsInvalidMetadata() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let metadata = #"{"title":"x","major":"460110","course":"weld","knowledgePoints":["arc"],"original":"yes","kind":"hologram"}"#
            let response = try await client.upload(try fixture("wps.pdf"), metadata: metadata, token: token)
            let problem = try response.problem()
            #expect(problem.code == "invalid_metadata")
            #expect(Set(problem.errors.map(\.field)) == ["original", "kind"])

            let notJSON = try await client.upload(try fixture("wps.pdf"), metadata: "{title:", token: token)
            #expect(notJSON.status == .badRequest)
            #expect(try notJSON.problem().code == "invalid_document")
        }
    }

    @Test func unknownCoursesAndPointsAreRejected() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let pdf = try fixture("wps.pdf")
            let noCourse = try await client.upload(
                pdf,
                metadata: #"{"title":"x","major":"460110","course":"nope","knowledgePoints":["arc"],"original":true}"#,
                token: token
            )
            #expect(noCourse.status == .unprocessableContent)
            #expect(try noCourse.problem().code == "unknown_course")

            let noMajor = try await client.upload(
                pdf,
                metadata: #"{"title":"x","major":"460101","course":"weld","knowledgePoints":["arc"],"original":true}"#,
                token: token
            )
            #expect(try noMajor.problem().code == "unknown_major")

            // "ut" exists but belongs to another course.
            let points = try await client.upload(
                pdf,
                metadata: #"{"title":"x","major":"460110","course":"weld","knowledgePoints":["arc","ghost","ut"],"original":true}"#,
                token: token
            )
            let problem = try points.problem()
            #expect(problem.code == "unknown_knowledge_point")
            #expect(problem.errors.map(\.field) == ["knowledgePoints[1]", "knowledgePoints[2]"])
        }
        #expect(try await lib.count("resources") == 0)
        #expect(try await lib.blobFiles().isEmpty)
        #expect(try lib.library.blobs.temporaryFiles().isEmpty)
    }

    @Test func executablesAreRefusedAndLeaveNothingBehind() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let elf = try await client.upload(try fixture("true.elf"), metadata: validMetadata, token: token)
            #expect(elf.status == .unsupportedMediaType)
            #expect(try elf.problem().code == "unsupported_media")
            let script = try await client.upload(Array("#!/bin/sh\nrm -rf /tmp/x\n".utf8), metadata: validMetadata, token: token)
            #expect(script.status == .unsupportedMediaType)
            let empty = try await client.upload([], metadata: validMetadata, token: token)
            #expect(empty.status == .unprocessableContent)
            #expect(try empty.problem().code == "empty_file")
        }
        #expect(try await lib.count("resources") == 0)
        #expect(try await lib.blobFiles().isEmpty)
        #expect(try lib.library.blobs.temporaryFiles().isEmpty)
    }

    @Test func aFileOverTheLimitIsTooLarge() async throws {
        let lib = try await TestLibrary.seeded(maximumUploadSize: 1024)
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let response = try await client.upload([UInt8](repeating: 0x41, count: 4096), metadata: validMetadata, token: token)
            #expect(response.status == .contentTooLarge)
            #expect(try response.problem().code == "payload_too_large")
            let fits = try await client.upload(try fixture("weld-bead.png"), metadata: validMetadata, token: token)
            #expect(fits.status == .created)
        }
        #expect(try lib.library.blobs.temporaryFiles().isEmpty)
        #expect(try await lib.count("resources") == 1)
    }

    @Test func aDeclaredKindMustFitTheBytes() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let animation = try await client.upload(
                try fixture("weld-demo.mp4"),
                metadata: #"{"title":"熔滴过渡","major":"460110","course":"weld","knowledgePoints":["gmaw"],"original":true,"kind":"animation"}"#,
                token: token
            )
            #expect(animation.status == .created)
            #expect(try animation.decode(Resource.self).kind == .animation)
            #expect(try animation.decode(Resource.self).canonicalName == "智能焊接技术_焊接方法与设备_熔化极气体保护焊_动画_原创.mp4")

            let fakeVideo = try await client.upload(
                try fixture("weld-bead.png"),
                metadata: #"{"title":"x","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true,"kind":"video"}"#,
                token: token
            )
            #expect(fakeVideo.status == .unprocessableContent)
            let problem = try fakeVideo.problem()
            #expect(problem.code == "kind_mismatch")
            #expect(problem.errors.map(\.field) == ["kind"])
        }
    }

    @Test func identicalBytesAreStoredOnce() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("li", .teacher)])
        try await lib.test { client in
            let pdf = try fixture("wps.pdf")
            let first = try await client.upload(pdf, metadata: validMetadata, token: try await client.logIn("zhang")).decode(Resource.self)
            let second = try await client.upload(pdf, metadata: validMetadata, token: try await client.logIn("li")).decode(Resource.self)
            #expect(first.id != second.id)
            #expect(first.sha256 == second.sha256)
        }
        #expect(try await lib.blobFiles().count == 1)
        #expect(try await lib.count("blobs") == 1)
        #expect(try await lib.count("resources") == 2)
    }

    @Test func malformedUploadsAreBadRequests() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let json = try await client.call(.post, "/api/v1/resources", token: token, json: validMetadata)
            #expect(json.status == .badRequest)
            #expect(try json.problem().code == "invalid_multipart")

            let noFile = try await client.upload(nil, metadata: validMetadata, token: token)
            #expect(noFile.status == .badRequest)
            #expect(try noFile.problem().errors.map(\.field) == ["file"])

            // A non-ASCII header name once stopped the whole service.
            let hostile = try await client.executeRequest(
                uri: "/api/v1/resources",
                method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=b0"],
                body: ByteBuffer(string: "--b0\r\nõ--b0--\r\n")
            )
            #expect(hostile.status == .badRequest)
            #expect(try hostile.problem().code == "invalid_multipart")

            // A body cut off in the middle of the file part, as when a client dies.
            var (body, contentType) = multipart(metadata: validMetadata, file: try fixture("wps.pdf"))
            body = body.getSlice(at: 0, length: body.readableBytes - 200)!
            let truncated = try await client.executeRequest(
                uri: "/api/v1/resources",
                method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: contentType],
                body: body
            )
            #expect(truncated.status == .badRequest)
            #expect(try truncated.problem().code == "invalid_multipart")
        }
        #expect(try await lib.count("resources") == 0)
        #expect(try lib.library.blobs.temporaryFiles().isEmpty)
        #expect(try await lib.blobFiles().isEmpty)
    }

    @Test func onlyTeachersAndAdminsUpload() async throws {
        let lib = try await TestLibrary.seeded([("learner", .learner), ("reviewer", .reviewer), ("admin", .admin)])
        try await lib.test { client in
            for user in ["learner", "reviewer"] {
                let response = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: try await client.logIn(user))
                #expect(response.status == .forbidden)
            }
            let admin = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: try await client.logIn("admin"))
            #expect(admin.status == .created)
            let (body, contentType) = multipart(metadata: validMetadata, file: try fixture("wps.pdf"))
            let anonymous = try await client.executeRequest(uri: "/api/v1/resources", method: .post, headers: [.contentType: contentType], body: body)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test func aLargeUploadStreamsOverARealSocket() async throws {
        let lib = try await TestLibrary.seeded()
        // 3 MiB of noise behind an MP4 header: enough to cross many socket reads and several write chunks.
        var generator = SystemRandomNumberGenerator()
        let bytes = try fixture("weld-demo.mp4") + (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        try await lib.test(.live) { client in
            let token = try await client.logIn("zhang")
            let response = try await client.upload(bytes, metadata: validMetadata, token: token)
            #expect(response.status == .created)
            let resource = try response.decode(Resource.self)
            #expect(resource.sha256 == expected)
            #expect(resource.size == Int64(bytes.count))
            #expect(resource.kind == .video)
        }
    }
}
