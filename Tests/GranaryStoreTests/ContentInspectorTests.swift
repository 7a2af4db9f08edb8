import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path + "/Fixtures"
let metadataDirectory =
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Metadata"

@Suite struct ContentInspectorTests {
    @Test(arguments: [
        ("weld-bead.png", "image/png"),
        ("weld-demo.mp4", "video/mp4"),
        ("wps.pdf", "application/pdf"),
        ("process-card.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("simulation.zip", "application/zip"),
        ("arc-notes.txt", "text/plain"),
        ("true.elf", "application/x-pie-executable"),
    ])
    func libmagicNamesRealFilesFromTheirBytes(file: String, mime: String) async throws {
        #expect(try await ContentInspector().mimeType(ofFileAt: fixtures + "/" + file) == mime)
    }

    @Test func detectionIsSafeFromManyTasksAtOnce() async throws {
        let inspector = ContentInspector()
        let files = ["weld-bead.png", "wps.pdf", "weld-demo.mp4", "process-card.docx"]
        let expected = ["image/png", "application/pdf", "video/mp4", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<400 {
                group.addTask {
                    try await inspector.mimeType(ofFileAt: fixtures + "/" + files[index % 4]) == expected[index % 4]
                }
            }
            for try await correct in group { #expect(correct) }
        }
    }
}

@Suite struct NationalCatalogueTests {
    @Test func theShippedCatalogueHoldsEveryMajorOfThe2021List() throws {
        let catalogue = try NationalCatalogue(contentsOf: metadataDirectory + "/catalogue/majors-2021.csv")
        #expect(catalogue.majors.count == 1_349)
        #expect(catalogue.major(code: "460110")?.name == "智能焊接技术")
        #expect(catalogue.major(code: "460110")?.level == .associate)
        #expect(catalogue.majors.filter { $0.level == .secondary }.count == 358)
        #expect(catalogue.majors.filter { $0.level == .associate }.count == 744)
        #expect(catalogue.majors.filter { $0.level == .bachelor }.count == 247)
        #expect(catalogue.search("焊接", level: .associate).map(\.code).contains("460110"))
    }
}

@Suite struct BlobStoreTests {
    private func store() throws -> (BlobStore, String) {
        let root = TestFolders.make("blobs")
        return (try BlobStore(root: root), root)
    }

    @Test func bytesLandAtTheirDigestAndIdenticalBytesAreKeptOnce() async throws {
        let (blobs, _) = try self.store()
        let first = try await blobs.beginUpload(containing: Array("焊接".utf8)).finish()
        #expect(first.sha256 == "42bdfbbc8fabc676e73a7f7ad4cc199a50d22395ca13ced2a5d2f2e522926dc7")
        #expect(
            blobs.localPath(forSHA256: first.sha256)!.hasSuffix(
                "/blobs/\(first.sha256.prefix(2))/\(first.sha256.dropFirst(2).prefix(2))/\(first.sha256)"
            )
        )
        #expect(try await blobs.contains(sha256: first.sha256))
        #expect(!first.deduplicated)
        let second = try await blobs.beginUpload(containing: Array("焊接".utf8)).finish()
        #expect(second.deduplicated)
        #expect(second.sha256 == first.sha256)
        #expect(try blobs.temporaryFiles().isEmpty)
    }

    @Test func anAbandonedUploadLeavesNothingAndLeftoversAreClearedAtStart() async throws {
        let (blobs, _) = try self.store()
        let abandoned = try await blobs.beginUpload(containing: [1, 2, 3])
        abandoned.abandon()
        #expect(try blobs.temporaryFiles().isEmpty)
        let crashed = try await blobs.beginUpload(containing: [4, 5, 6])
        #expect(try blobs.temporaryFiles().count == 1)
        #expect(try blobs.removeTemporaryFiles() == 1)
        #expect(try blobs.temporaryFiles().isEmpty)
        _ = crashed
    }
}
