import Foundation
import GranaryAssessment
import GranaryModel
import GranaryStore
import Hummingbird
import NIOCore

/// The files questions show in place: uploaded by teachers (or brought by an import), fetched by those who may read
/// the question, and by learners through the attempts that show it.
struct QuestionFileController {
    let files: QuestionFiles
    let attempts: AttemptStore
    let blobs: BlobStore
    let fileIO: FileIO

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group(context: AuthenticatedContext.self)
        group.post("questions/files", use: self.upload)
        group.get("questions/{id}/files/{sha256}", use: self.questionFile)
        group.head("questions/{id}/files/{sha256}", use: self.questionFile)
        group.get("attempts/{id}/files/{sha256}", use: self.attemptFile)
        group.head("attempts/{id}/files/{sha256}", use: self.attemptFile)
    }

    /// The body is the file (a picture, a sound or a film, at most `QuestionFiles.maximumBytes`); `name` is what the
    /// question's text calls it. Answers with the attachment to name in a question's `attachments`.
    @Sendable func upload(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: LocalizedText(zh: "上传试题文件", en: "upload question files"))
        guard let name = request.uri.value("name")?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "请用 name 参数给出文件名（题干中写作 [图片：文件名]）", en: "Name the file with the name parameter"),
                errors: [FieldError(field: "name", message: LocalizedText(zh: "必填", en: "required"))]
            )
        }
        let upload = try self.blobs.beginUpload()
        do {
            for try await buffer in request.body {
                guard upload.size + Int64(buffer.readableBytes) <= QuestionFiles.maximumBytes else {
                    throw GranaryError(
                        .payloadTooLarge,
                        LocalizedText(
                            zh: "文件超过 \(QuestionFiles.maximumBytes >> 20) MiB",
                            en: "The file is over \(QuestionFiles.maximumBytes >> 20) MiB"
                        )
                    )
                }
                try await upload.write(buffer)
            }
        } catch {
            upload.abandon()
            throw error
        }
        return try .json(try await self.files.keep(upload, name: name), status: .created)
    }

    @Sendable func questionFile(request: Request, context: AuthenticatedContext) async throws -> Response {
        let file = try await self.files.file(
            question: try context.parameters.require("id"),
            sha256: try context.parameters.require("sha256"),
            viewer: context.user
        )
        return try await self.serve(file, request: request, context: context)
    }

    @Sendable func attemptFile(request: Request, context: AuthenticatedContext) async throws -> Response {
        let file = try await self.attempts.file(
            attempt: try context.parameters.require("id"),
            sha256: try context.parameters.require("sha256"),
            viewer: context.user
        )
        return try await self.serve(file, request: request, context: context)
    }

    private func serve(_ file: Question.Attachment, request: Request, context: AuthenticatedContext) async throws -> Response {
        try await BlobResponse.response(
            self.files.content(of: file),
            mime: file.mime,
            fileName: file.name,
            fallbackName: "\(file.sha256.prefix(16)).\(MediaPolicy.fileExtension(forMIME: file.mime))",
            download: try request.uri.bool("download") == true,
            request: request,
            context: context,
            fileIO: self.fileIO
        )
    }
}
