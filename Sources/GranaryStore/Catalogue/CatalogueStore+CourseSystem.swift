import Foundation
import GRDB
import GranaryModel

/// The whole course system as rows, for the graph index to build itself from inside the caller's read transaction.
public struct CourseSystemRows: Sendable {
    public var majors: [(code: String, name: String)] = []
    /// By major, then name.
    public var courses: [(id: String, name: String, major: String, category: String)] = []
    /// In the order they were written, so a course's points keep it.
    public var points: [(id: String, name: String, course: String, kind: PointKind)] = []
    public var prerequisites: [(point: String, prerequisite: String)] = []
    /// By name.
    public var jobs: [(id: String, name: String, occupationCode: String?)] = []
    public var jobSkills: [(job: String, point: String)] = []
    /// The jobs each major's talent plan targets.
    public var planJobs: [(major: String, jobs: [String])] = []
}

extension CatalogueStore {
    /// Reads every major, course, point, prerequisite, job, required skill and planned job.
    public static func courseSystem(_ db: any SQLConnection) throws -> CourseSystemRows {
        var rows = CourseSystemRows()
        rows.majors = try db.fetchAll(sql: "SELECT code, name FROM majors ORDER BY code").map { ($0[0], $0[1]) }
        rows.courses = try db.fetchAll(sql: "SELECT id, name, major, category FROM courses ORDER BY major, name").map {
            ($0[0], $0[1], $0[2], $0[3])
        }
        rows.points = try db.fetchAll(sql: "SELECT id, name, course, kind FROM points ORDER BY createdAt, rowid").map {
            ($0[0], $0[1], $0[2], PointKind(rawValue: $0[3]) ?? .knowledge)
        }
        rows.prerequisites = try db.fetchAll(sql: "SELECT point, prerequisite FROM pointPrerequisites").map { ($0[0], $0[1]) }
        rows.jobs = try db.fetchAll(sql: "SELECT id, name, occupationCode FROM jobs ORDER BY name").map { ($0[0], $0[1], $0[2]) }
        rows.jobSkills = try db.fetchAll(sql: "SELECT job, point FROM jobSkills").map { ($0[0], $0[1]) }
        rows.planJobs = try db.fetchAll(sql: "SELECT major, \(db.engine.jsonField("plan", "jobs")) FROM majorPlans").compactMap { row in
            guard let text: String = row[1] else { return nil }
            return (row[0], (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? [])
        }
        return rows
    }
}
