import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// `GET /questions/{id}/qti` and `GET /courses/{id}/questions/export`: questions as QTI 2.1 or 3.0 items, and a
/// course's published bank as an IMS content package with IEEE LOM metadata (专业/课程/知识点 in classification), as
/// Moodle XML, or as a Word exam paper with its answers.
public struct QuestionExporter: Sendable {
    /// What a course's bank is exported as.
    public enum Format: String, Sendable, CaseIterable {
        case qti21, qti30, moodle, docx
    }

    private let database: LibraryDatabase
    private let questions: QuestionStore
    private let files: QuestionFiles

    /// Creates an exporter over the library's database, packing the questions' files from `files`.
    public init(database: LibraryDatabase, files: QuestionFiles) {
        self.database = database
        self.questions = QuestionStore(database: database)
        self.files = files
    }

    /// One question (the version the viewer may see, or `version`) as a QTI item document.
    public func item(id: String, questionVersion: Int?, as version: QTIVersion, viewer: User) async throws -> String {
        let question = try await self.questions.question(id: id, version: questionVersion, viewer: viewer)
        let (course, _, points) = try await self.database.read { db in try Self.names(db, course: question.course) }
        return QTIExport.item(question, version: version, courseName: course.name, pointNames: points)
    }

    /// The published version of every question of a course that is in use, in `format`, with the file name a browser
    /// should save it under and its content type.
    public func course(_ id: String, as format: Format, viewer: User) async throws -> (fileName: String, contentType: String, bytes: [UInt8]) {
        guard viewer.role != .learner else {
            throw GranaryError.forbidden(LocalizedText(zh: "学习者不能导出题库", en: "Learners cannot export the bank"))
        }
        let (questions, course, major, points) = try await self.database.read { db in
            guard try CatalogueStore.fetchCourse(db, id: id) != nil else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Course"), id) }
            let (course, major, points) = try Self.names(db, course: id)
            let live = try QuestionStore.liveSummaries(db, course: id)
            let questions = try QuestionStore.versions(db, live.map { (question: $0.question, version: $0.version) }).map { question in
                var question = question
                question.status = .approved
                return question
            }
            return (questions, course, major, points)
        }
        let now = self.database.clock.now()
        // The files go with the questions (a Word paper takes only the pictures).
        var bytes: [String: [UInt8]] = [:]
        for file in questions.flatMap(\.attachments) where bytes[file.sha256] == nil {
            if format == .docx, !file.mime.hasPrefix("image/") { continue }
            bytes[file.sha256] = try await self.files.bytes(of: file)
        }
        switch format {
        case .qti21, .qti30:
            let version: QTIVersion = format == .qti21 ? .v2p1 : .v3p0
            var package = ContentPackage(version: version, title: "\(course.name) 试题库", identifier: "granary-\(id)", created: now)
            for question in questions { package.add(question, major: major, course: course, pointNames: points) }
            do {
                return ("\(course.name)-试题-QTI\(version.rawValue).zip", "application/zip", try package.archive(files: bytes))
            } catch {
                throw GranaryError(.payloadTooLarge, LocalizedText(zh: "题库过大，无法打包", en: "The bank is too large to package"))
            }
        case .moodle:
            let xml = MoodleXMLExport.document(questions, courseName: course.name, pointNames: points, files: bytes)
            return ("\(course.name)-试题-Moodle.xml", "application/xml; charset=utf-8", Array(xml.utf8))
        case .docx:
            let document = try WordExport.document(questions, title: "\(course.name) 试题", created: now, files: bytes)
            return ("\(course.name)-试卷.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", document)
        }
    }

    /// The course, its major and the names of its points.
    private static func names(_ db: any SQLConnection, course id: String) throws -> (ContentPackage.Term, ContentPackage.Term, [String: String]) {
        guard let course = try CatalogueStore.fetchCourse(db, id: id) else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Course"), id) }
        let majorName = try CatalogueStore.majorName(db, code: course.major) ?? course.major
        let points = try CatalogueStore.pointNames(db, course: id)
        return (ContentPackage.Term(id: course.id, name: course.name), ContentPackage.Term(id: course.major, name: majorName), points)
    }
}
