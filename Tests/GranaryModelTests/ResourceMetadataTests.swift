import Foundation
import GranaryModel
import Testing

@Suite struct ResourceMetadataTests {
    @Test func completeMetadataIsRead() throws {
        let json =
            #"{"title":" 电弧 ","major":"460110","course":"weld","knowledgePoints":["arc","arc","gmaw"],"original":false,"kind":"video","tags":["微课"]}"#
        let metadata = try ResourceMetadata.parse(Data(json.utf8))
        #expect(metadata.title == "电弧")
        #expect(metadata.knowledgePoints == ["arc", "gmaw"])
        #expect(metadata.original == false)
        #expect(metadata.kind == .video)
        #expect(metadata.tags == ["微课"])
    }

    @Test func everyMissingRequiredFieldIsNamedAtOnce() {
        #expect {
            try ResourceMetadata.parse(Data(#"{"title":"","major":"  ","knowledgePoints":[]}"#.utf8))
        } throws: { error in
            let error = error as! GranaryError
            return error.code == .missingMetadata && error.errors.map(\.field) == ["title", "major", "course", "knowledgePoints", "original"]
        }
    }

    @Test func aNumberIsNotABoolean() {
        #expect {
            try ResourceMetadata.parse(Data(#"{"title":"t","major":"m","course":"c","knowledgePoints":["p",3],"original":1}"#.utf8))
        } throws: { error in
            let error = error as! GranaryError
            return error.code == .invalidMetadata && error.errors.map(\.field) == ["knowledgePoints[1]", "original"]
        }
    }

    @Test func somethingOtherThanAnObjectIsAnInvalidDocument() {
        #expect(throws: GranaryError.self) { try ResourceMetadata.parse(Data("[1,2]".utf8)) }
        #expect { try ResourceMetadata.parse(Data("not json".utf8)) } throws: { ($0 as! GranaryError).code == .invalidDocument }
    }

    @Test func aPartialChangeKeepsWhatItDoesNotMentionAndNullClearsOptionalFields() throws {
        let base = ResourceMetadata(
            title: "旧",
            description: "说明",
            major: "460110",
            course: "weld",
            knowledgePoints: ["arc"],
            original: true,
            license: "CC BY"
        )
        let changed = try ResourceMetadata.parse(Data(#"{"title":"新","description":null}"#.utf8), base: base)
        #expect(changed.title == "新")
        #expect(changed.description == nil)
        #expect(changed.license == "CC BY")
        #expect(changed.knowledgePoints == ["arc"])
        #expect(changed.original == true)
        #expect(throws: GranaryError.self) { try ResourceMetadata.parse(Data(#"{"knowledgePoints":[]}"#.utf8), base: base) }
    }
}

@Suite struct CanonicalNameTests {
    @Test func theNameFollowsTheUniformRule() {
        let name = CanonicalName.make(major: "智能焊接技术", course: "焊接方法与设备", knowledgePoint: "焊接电弧", kind: .video, original: true, fileExtension: "mp4")
        #expect(name == "智能焊接技术_焊接方法与设备_焊接电弧_视频_原创.mp4")
        let cited = CanonicalName.make(major: "数控技术", course: "数控编程", knowledgePoint: "G 代码", kind: .document, original: false, fileExtension: "pdf")
        #expect(cited == "数控技术_数控编程_G-代码_文档_引用.pdf")
    }

    @Test func separatorsAndPathCharactersInsideAPartAreReplaced() {
        let name = CanonicalName.make(
            major: "a_b",
            course: "../etc/passwd",
            knowledgePoint: "x:y*z?",
            kind: .text,
            original: true,
            fileExtension: "txt"
        )
        #expect(name == "a-b_..-etc-passwd_x-y-z-_文本_原创.txt")
        #expect(name.split(separator: "_").count == 5)
        #expect(!name.contains("/"))
    }
}

@Suite struct MediaPolicyTests {
    @Test func kindsFollowFromTheMIMEType() {
        #expect(MediaPolicy.kind(forMIME: "video/mp4") == .video)
        #expect(MediaPolicy.kind(forMIME: "image/png") == .image)
        #expect(MediaPolicy.kind(forMIME: "audio/mpeg") == .audio)
        #expect(MediaPolicy.kind(forMIME: "application/pdf") == .document)
        #expect(MediaPolicy.kind(forMIME: "application/vnd.openxmlformats-officedocument.presentationml.presentation") == .courseware)
        #expect(MediaPolicy.kind(forMIME: "text/html") == .courseware)
        #expect(MediaPolicy.kind(forMIME: "text/plain") == .text)
        #expect(MediaPolicy.kind(forMIME: "application/zip") == .other)
    }

    @Test func aDeclaredKindMustBeOneTheBytesAllow() {
        #expect(MediaPolicy.allowedKinds(forMIME: "video/mp4").contains(.animation))
        #expect(!MediaPolicy.allowedKinds(forMIME: "image/png").contains(.video))
        #expect(!MediaPolicy.allowedKinds(forMIME: "image/png").contains(.animation))
        #expect(MediaPolicy.allowedKinds(forMIME: "image/gif").contains(.animation))
        #expect(MediaPolicy.allowedKinds(forMIME: "application/zip").contains(.simulation))
        #expect(MediaPolicy.allowedKinds(forMIME: "text/plain") == [.text])
    }

    @Test func programsAreRefusedByEveryNameLibmagicUses() {
        for mime in [
            "application/x-executable", "application/x-pie-executable", "application/x-sharedlib", "application/x-dosexec", "text/x-shellscript",
        ] {
            #expect(MediaPolicy.isRefused(mime: mime))
        }
        #expect(!MediaPolicy.isRefused(mime: "application/pdf"))
    }

    @Test func textAndImageCountTowardTheThirtyPercentRule() {
        #expect(ResourceKind.allCases.filter(\.countsAsTextOrImage) == [.text, .image])
    }
}

@Suite struct PageRequestTests {
    @Test func pagingIsBounded() throws {
        let page = try PageRequest(page: "3", pageSize: "25")
        #expect(page.offset == 50)
        #expect(throws: GranaryError.self) { try PageRequest(page: "0", pageSize: nil) }
        #expect(throws: GranaryError.self) { try PageRequest(page: nil, pageSize: "101") }
        #expect(throws: GranaryError.self) { try PageRequest(page: "x", pageSize: nil) }
        // A page number whose offset would overflow is refused, not a crash.
        #expect(throws: GranaryError.self) { try PageRequest(page: "999999999999999999", pageSize: "100") }
        #expect(try PageRequest(page: nil, pageSize: nil).pageSize == 20)
    }
}
