import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// `GET /questions/{id}/qti` and `GET /courses/{id}/questions/export`: questions as QTI 2.1 or 3.0 items, and a
/// course's published bank as an IMS content package with IEEE LOM metadata (专业/课程/知识点 in classification).
public struct QTIExporter: Sendable {
    private let database: LibraryDatabase
    private let questions: QuestionStore

    /// Creates an exporter over the library's database.
    public init(database: LibraryDatabase) {
        self.database = database
        self.questions = QuestionStore(database: database)
    }

    /// One question (the version the viewer may see, or `version`) as a QTI item document.
    public func item(id: String, questionVersion: Int?, as version: QTIVersion, viewer: User) async throws -> String {
        let question = try await self.questions.question(id: id, version: questionVersion, viewer: viewer)
        let (course, _, points) = try await self.database.read { db in try Self.names(db, course: question.course) }
        return QTIExport.item(question, version: version, courseName: course.name, pointNames: points)
    }

    /// The published version of every question of a course that is in use, as a content package (zip bytes),
    /// with the file name a browser should save it under.
    public func coursePackage(course id: String, as version: QTIVersion, viewer: User) async throws -> (fileName: String, bytes: [UInt8]) {
        guard viewer.role != .learner else {
            throw GranaryError.forbidden(LocalizedText(zh: "学习者不能导出题库", en: "Learners cannot export the bank"))
        }
        let (package, name) = try await self.database.read { db in
            guard try CatalogueStore.fetchCourse(db, id: id) != nil else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Course"), id) }
            let (course, major, points) = try Self.names(db, course: id)
            var package = ContentPackage(
                version: version,
                title: "\(course.name) 试题库",
                identifier: "granary-\(id)",
                created: self.database.clock.now()
            )
            let live = try QuestionStore.liveSummaries(db, course: id)
            for var question in try QuestionStore.versions(db, live.map { (question: $0.question, version: $0.version) }) {
                question.status = .approved
                package.add(question, major: major, course: course, pointNames: points)
            }
            return (package, course.name)
        }
        do {
            return ("\(name)-试题-QTI\(version.rawValue).zip", try package.archive())
        } catch {
            throw GranaryError(.payloadTooLarge, LocalizedText(zh: "题库过大，无法打包", en: "The bank is too large to package"))
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
