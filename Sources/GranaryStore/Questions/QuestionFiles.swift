import Foundation
import GranaryModel
import NIOCore

/// The files questions show in place (a drawing in a stem, pictures as options, a sound to identify a fault): kept
/// in the blob store like every upload, content-addressed and typed by libmagic, and named by question versions.
///
/// A file is stored first (an upload of its own, or a file of an imported package) and named by a version after;
/// stored bytes no version names yet are harmless, like those of an upload whose resource never commits. Who may
/// fetch a file follows who may read the question: its author, reviewers and admins every version, other teachers
/// the published ones; learners see files through their attempts (`AttemptStore`).
public struct QuestionFiles: Sendable {
    private let database: LibraryDatabase
    private let blobs: BlobStore
    private let inspector: ContentInspector

    /// Largest file a question may show.
    public static let maximumBytes: Int64 = 64 << 20

    /// Creates the files over the library's database and blob store.
    public init(database: LibraryDatabase, blobs: BlobStore, inspector: ContentInspector) {
        self.database = database
        self.blobs = blobs
        self.inspector = inspector
    }

    /// Whether a question may show bytes of this MIME type in place: pictures, sounds and films.
    public static func isShowable(mime: String) -> Bool {
        mime.hasPrefix("image/") || mime.hasPrefix("audio/") || mime.hasPrefix("video/")
    }

    /// Stores `bytes` as a file named `name` (a file of an imported package or document).
    public func keep(_ bytes: [UInt8], name: String) async throws -> Question.Attachment {
        try await self.keep(try await self.blobs.beginUpload(containing: bytes), name: name)
    }

    /// Stores an upload as a file named `name`, once libmagic says it is a picture, a sound or a film; the upload is
    /// deleted on any failure.
    public func keep(_ upload: BlobUpload, name: String) async throws -> Question.Attachment {
        do {
            guard Question.Attachment.isValidName(name) else {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(
                        zh: "文件名应为 1–120 字，不含方括号、全角冒号或换行",
                        en: "A file name is 1 to 120 characters without brackets, full-width colons or line breaks"
                    ),
                    errors: [FieldError(field: "name", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
                )
            }
            try await upload.close()
            guard upload.size > 0 else { throw GranaryError(.emptyFile, LocalizedText(zh: "文件“\(name)”为空", en: "The file '\(name)' is empty")) }
            guard upload.size <= Self.maximumBytes else {
                throw GranaryError(
                    .payloadTooLarge,
                    LocalizedText(zh: "文件“\(name)”超过 \(Self.maximumBytes >> 20) MiB", en: "The file '\(name)' is over \(Self.maximumBytes >> 20) MiB")
                )
            }
            let mime = try await self.inspector.mimeType(ofFileAt: upload.temporaryPath)
            guard Self.isShowable(mime: mime) else {
                throw GranaryError(
                    .unsupportedMedia,
                    LocalizedText(
                        zh: "文件“\(name)”的内容是 \(mime)：试题中只能显示图片、音频和视频",
                        en: "The file '\(name)' is \(mime): a question shows only pictures, sounds and films"
                    )
                )
            }
            let blob = try await upload.finish()
            try await self.database.write { db in
                try db.execute(
                    sql: "INSERT INTO blobs (sha256, size, mime, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [blob.sha256, blob.size, mime, self.database.clock.now()]
                )
            }
            return Question.Attachment(name: name, sha256: blob.sha256, mime: mime, size: blob.size)
        } catch {
            upload.abandon()
            throw error
        }
    }

    /// The stored bytes of a file, to be served.
    public func content(of file: Question.Attachment) -> BlobContent {
        BlobContent(sha256: file.sha256, size: file.size, store: self.blobs)
    }

    /// The whole bytes of a file (for an export that packs it).
    public func bytes(of file: Question.Attachment) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(file.size))
        for try await buffer in try await self.blobs.read(sha256: file.sha256) { bytes += buffer.readableBytesView }
        return bytes
    }

    /// The file `sha256` of question `id` in a version `viewer` may read: any version for its author, reviewers and
    /// admins, published ones for other teachers; learners are refused (they see files through their attempts).
    public func file(question id: String, sha256: String, viewer: User) async throws -> Question.Attachment {
        guard viewer.role != .learner else {
            throw GranaryError.forbidden(LocalizedText(zh: "学习者通过试卷查看试题中的文件", en: "Learners see a question's files in their papers"))
        }
        return try await self.database.read { db in
            let state = try QuestionStore.lifecycle.visibleState(db, id: id, viewer: viewer)
            let newest = state.showsEverything(to: viewer) ? state.currentVersion : state.publishedVersion ?? 0
            let decoder = JSONDecoder()
            let rows = try db.fetchAll(
                sql: "SELECT attachments FROM questionVersions WHERE question = ? AND version <= ? ORDER BY version DESC",
                arguments: [id, newest]
            )
            for row in rows {
                let files = try decoder.decode([Question.Attachment].self, from: Data((row["attachments"] as String).utf8))
                if let file = files.first(where: { $0.sha256 == sha256 }) { return file }
            }
            throw GranaryError.notFound(LocalizedText(zh: "试题文件", en: "Question file"), sha256)
        }
    }

    /// The files a new version names, each checked against the blob store's rows: stored, and a picture, sound or
    /// film; their type and size come from the rows, never from the caller.
    static func resolve(_ db: any SQLConnection, _ files: [Question.Attachment]) throws -> [Question.Attachment] {
        var resolved: [Question.Attachment] = []
        var errors: [FieldError] = []
        for (index, file) in files.enumerated() {
            let row = try db.fetchOne(sql: "SELECT size, mime FROM blobs WHERE sha256 = ?", arguments: [file.sha256.lowercased()])
            guard let row, Self.isShowable(mime: row["mime"]) else {
                errors.append(
                    FieldError(
                        field: "attachments[\(index)].sha256",
                        message: LocalizedText(
                            zh: row == nil ? "没有这个文件：请先上传（POST /questions/files）" : "不是图片、音频或视频",
                            en: row == nil ? "no such file: upload it first (POST /questions/files)" : "not a picture, sound or film"
                        )
                    )
                )
                continue
            }
            resolved.append(Question.Attachment(name: file.name, sha256: file.sha256.lowercased(), mime: row["mime"], size: row["size"]))
        }
        guard errors.isEmpty else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "试题引用的文件不存在或不能显示", en: "A file the question names is unknown or cannot be shown"),
                errors: errors
            )
        }
        return resolved
    }
}
