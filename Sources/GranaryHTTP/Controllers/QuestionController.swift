import Foundation
import GranaryAssessment
import GranaryModel
import GranaryStore
import Hummingbird
import NIOCore

/// The question bank: questions of six types, each change a new version, reviewed like resources; imports and exports.
struct QuestionController {
    let questions: QuestionStore
    /// Where imported questions' pictures, sounds and films are kept.
    let files: QuestionFiles
    let exporter: QuestionExporter
    /// Where `templates/question-import.docx` and `.xlsx` are.
    let metadataDirectory: String

    /// Largest QTI document or package accepted.
    static let maximumImportBytes = 64 << 20

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group("questions", context: AuthenticatedContext.self)
        group.post(use: self.create)
        group.post("import", use: self.importQuestions)
        group.get("import/template", use: self.template)
        group.get(use: self.list)
        group.get("{id}", use: self.get)
        group.patch("{id}", use: self.update)
        group.delete("{id}", use: self.retire)
        group.post("{id}/submit", use: self.submit)
        group.get("{id}/versions", use: self.versions)
        group.get("{id}/qti", use: self.qti)
        router.group(context: AuthenticatedContext.self).get("courses/{id}/questions/export", use: self.export)
    }

    private static func version(_ request: Request) throws -> QTIVersion {
        guard let raw = request.uri.value("version") else { return .v2p1 }
        guard let version = QTIVersion(rawValue: raw) else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "QTI 版本应为 2.1 或 3.0", en: "version must be 2.1 or 3.0"),
                errors: [FieldError(field: "version", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        return version
    }

    /// One question as a QTI item (`version=2.1|3.0`, 2.1 by default; `questionVersion` picks another version).
    @Sendable func qti(request: Request, context: AuthenticatedContext) async throws -> Response {
        let xml = try await self.exporter.item(
            id: try context.parameters.require("id"),
            questionVersion: try request.uri.positiveInt("questionVersion"),
            as: try Self.version(request),
            viewer: context.user
        )
        return Response(
            status: .ok,
            headers: [.contentType: "application/xml; charset=utf-8", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: xml))
        )
    }

    /// A course's published questions: `format=qti21` (the default; or `version=2.1`), `qti30` (`version=3.0`) as an
    /// IMS content package with LOM metadata, `moodle` as Moodle XML, `docx` as a Word exam paper with its answers.
    @Sendable func export(request: Request, context: AuthenticatedContext) async throws -> Response {
        let format: QuestionExporter.Format
        if let raw = request.uri.value("format") {
            guard let named = QuestionExporter.Format(rawValue: raw) else {
                throw GranaryError(
                    .invalidQuery,
                    LocalizedText(zh: "format 应为 qti21、qti30、moodle 或 docx", en: "format must be qti21, qti30, moodle or docx"),
                    errors: [FieldError(field: "format", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
                )
            }
            format = named
        } else {
            format = try Self.version(request) == .v3p0 ? .qti30 : .qti21
        }
        let (fileName, type, bytes) = try await self.exporter.course(try context.parameters.require("id"), as: format, viewer: context.user)
        let fallback =
            fileName.hasSuffix(".zip") ? "questions-\(format.rawValue).zip" : fileName.hasSuffix(".xml") ? "questions-moodle.xml" : "questions.docx"
        return Response(
            status: .ok,
            headers: [
                .contentType: type,
                .contentDisposition: ContentDisposition.header(disposition: "attachment", fileName: fileName, fallbackName: fallback),
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// The Word (`format=docx`, the default) or Excel (`format=xlsx`) template the importer reads, with examples.
    @Sendable func template(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: LocalizedText(zh: "下载试题模板", en: "download the question template"))
        let format = request.uri.value("format") ?? "docx"
        let types = [
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ]
        guard let type = types[format] else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "模板格式应为 docx 或 xlsx", en: "format must be docx or xlsx"),
                errors: [FieldError(field: "format", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        guard let bytes = FileManager.default.contents(atPath: self.metadataDirectory + "/templates/question-import." + format) else {
            throw GranaryError.notFound(LocalizedText(zh: "试题模板", en: "Question template"), format)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: type,
                .contentDisposition: ContentDisposition.header(
                    disposition: "attachment",
                    fileName: "试题导入模板.\(format)",
                    fallbackName: "question-import.\(format)"
                ),
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// A question's fields as sent; a change leaves out what stays.
    struct Input: Decodable {
        let course: String?
        let knowledgePoints: [String]?
        let type: QuestionType?
        let difficulty: Int?
        let stem: String?
        let options: [Question.Option]?
        let answer: JSONValue?
        let analysis: String?
        let rubric: [Question.Criterion]?
        let score: Double?
        /// Absent: kept; `null`: removed; a rule: set.
        let scoring: QuestionScoring??
        let media: [String]?
        /// Files by name and SHA-256 (as `POST /questions/files` answered); their type and size are looked up.
        let attachments: [Question.Attachment]?

        /// A file as a client names it.
        private struct FileReference: Decodable {
            let name: String
            let sha256: String
        }

        private enum CodingKeys: String, CodingKey {
            case course, knowledgePoints, type, difficulty, stem, options, answer, analysis, rubric, score, scoring, media, attachments
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.course = try container.decodeIfPresent(String.self, forKey: .course)
            self.knowledgePoints = try container.decodeIfPresent([String].self, forKey: .knowledgePoints)
            self.type = try container.decodeIfPresent(QuestionType.self, forKey: .type)
            self.difficulty = try container.decodeIfPresent(Int.self, forKey: .difficulty)
            self.stem = try container.decodeIfPresent(String.self, forKey: .stem)
            self.options = try container.decodeIfPresent([Question.Option].self, forKey: .options)
            self.answer = try container.decodeIfPresent(JSONValue.self, forKey: .answer)
            self.analysis = try container.decodeIfPresent(String.self, forKey: .analysis)
            self.rubric = try container.decodeIfPresent([Question.Criterion].self, forKey: .rubric)
            self.score = try container.decodeIfPresent(Double.self, forKey: .score)
            self.scoring = container.contains(.scoring) ? .some(try container.decodeIfPresent(QuestionScoring.self, forKey: .scoring)) : nil
            self.media = try container.decodeIfPresent([String].self, forKey: .media)
            self.attachments = try container.decodeIfPresent([FileReference].self, forKey: .attachments)?.map {
                Question.Attachment(name: $0.name, sha256: $0.sha256, mime: "", size: 0)
            }
        }

        var store: QuestionStore.Input {
            QuestionStore.Input(
                course: self.course,
                knowledgePoints: self.knowledgePoints,
                type: self.type,
                difficulty: self.difficulty,
                stem: self.stem,
                options: self.options,
                answer: self.answer,
                analysis: self.analysis.map { .some($0) },
                rubric: self.rubric,
                score: self.score,
                scoring: self.scoring,
                media: self.media,
                attachments: self.attachments
            )
        }
    }

    @Sendable func create(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: Input.self, context: context)
        return try .json(try await self.questions.create(input.store, author: context.user), status: .created)
    }

    @Sendable func update(request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let input = try await request.decodeJSON(as: Input.self, context: context)
        return try .json(try await self.questions.update(id: id, input.store, actor: context.user))
    }

    @Sendable func get(request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.require("id")
        return try .json(try await self.questions.question(id: id, version: try request.uri.positiveInt("version"), viewer: context.user))
    }

    @Sendable func versions(request: Request, context: AuthenticatedContext) async throws -> Response {
        let versions = try await self.questions.versions(id: try context.parameters.require("id"), viewer: context.user)
        return try .json(Page(items: versions, total: versions.count, request: PageRequest(page: 1, pageSize: max(1, versions.count))))
    }

    @Sendable func submit(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.questions.submit(id: try context.parameters.require("id"), actor: context.user))
    }

    @Sendable func retire(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.questions.retire(id: try context.parameters.require("id"), actor: context.user))
    }

    /// The body is a question file: QTI (an item or an IMS content package), QTI 1.2, Moodle XML, GIFT, Aiken, or a
    /// Word (.docx) or Excel (.xlsx) template; `format` names it when the bytes and `name` (the file name) do not tell.
    /// `course` says where the questions go; `knowledgePoints` (comma-separated) and `difficulty` (3 by default) are
    /// for questions that do not name their own.
    @Sendable func importQuestions(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: LocalizedText(zh: "导入试题", en: "import questions"))
        guard let course = request.uri.value("course") else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "请用 course 参数指定课程", en: "Name the course with the course parameter"),
                errors: [FieldError(field: "course", message: LocalizedText(zh: "必填", en: "required"))]
            )
        }
        let points = (request.uri.value("knowledgePoints") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let difficulty = try request.uri.positiveInt("difficulty")
        var format: QuestionFormat?
        if let raw = request.uri.value("format") {
            guard let named = QuestionFormat(rawValue: raw) else {
                throw GranaryError(
                    .invalidQuery,
                    LocalizedText(
                        zh: "format 应为 \(QuestionFormat.allCases.map(\.rawValue).joined(separator: "、")) 之一",
                        en: "format must be one of \(QuestionFormat.allCases.map(\.rawValue).joined(separator: ", "))"
                    ),
                    errors: [FieldError(field: "format", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
                )
            }
            format = named
        }
        let fileName = request.uri.value("name") ?? "upload"
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maximumImportBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw GranaryError(
                .payloadTooLarge,
                LocalizedText(zh: "导入内容超过 \(Self.maximumImportBytes >> 20) MiB", en: "The import exceeds \(Self.maximumImportBytes >> 20) MiB")
            )
        }
        guard body.readableBytes > 0 else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "请求体为空：请发送题目文件", en: "Empty body: send a question file"))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("granary-qti-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(body.readableBytesView)) else {
            throw GranaryError(.insufficientStorage, LocalizedText(zh: "无法暂存上传内容", en: "The upload could not be stored"))
        }
        let report = try await QuestionImporter(questions: self.questions, files: self.files).importFile(
            at: path,
            name: fileName,
            format: format,
            course: course,
            knowledgePoints: points,
            difficulty: difficulty,
            author: context.user
        )
        // A file of which nothing could be imported failed as a whole; each failure says why.
        if report.imported.isEmpty, report.failed.count == 1, report.ignored.isEmpty {
            let failure = report.failed[0]
            let place = failure.file == fileName ? "" : failure.file + "："
            throw GranaryError(
                ["malformed", "not_qti"].contains(failure.code) ? .invalidDocument : .validationFailed,
                LocalizedText(zh: "无法导入：\(place)\(failure.reason)", en: "Cannot import: \(place)\(failure.reason)"),
                errors: [FieldError(field: failure.file == fileName ? "body" : failure.file, message: LocalizedText(stringLiteral: failure.reason))]
            )
        }
        if report.imported.isEmpty, !report.failed.isEmpty {
            throw GranaryError(
                .validationFailed,
                LocalizedText(
                    zh: "没有可导入的试题（\(report.failed.count) 处有误）",
                    en: "Nothing could be imported (\(report.failed.count) failed)"
                ),
                errors: report.failed.prefix(100).map {
                    FieldError(field: $0.file, message: LocalizedText(stringLiteral: "\($0.code): \($0.reason)"))
                }
            )
        }
        return try .json(report, status: report.imported.isEmpty ? .ok : .created)
    }

    @Sendable func list(request: Request, context: AuthenticatedContext) async throws -> Response {
        let difficulty = try request.uri.positiveInt("difficulty")
        guard difficulty.map({ (1...5).contains($0) }) ?? true else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "难度应为 1–5", en: "difficulty must be 1 to 5"),
                errors: [FieldError(field: "difficulty", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        let filter = QuestionStore.Filter(
            course: request.uri.value("course"),
            knowledgePoint: request.uri.value("knowledgePoint"),
            type: try request.uri.value("type", as: QuestionType.self),
            difficulty: difficulty,
            status: try request.uri.value("status", as: ReviewStatus.self)
        )
        return try .json(try await self.questions.list(filter, viewer: context.user, try request.uri.pageRequest()))
    }
}
