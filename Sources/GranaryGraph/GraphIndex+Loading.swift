import Foundation
import GRDB
import GranaryModel
import GranaryStore

extension GraphIndex {
    /// Reads the whole course system from SQLite, inside the caller's read transaction so the index and its
    /// revision (the change feed's sequence number it is current to) agree.
    public static func load(_ db: GRDB.Database) throws -> GraphIndex {
        let revision = try ChangeFeed.newest(db)
        var builder = Builder()
        let sizes = try Row.fetchOne(
            db,
            sql: """
                SELECT (SELECT COUNT(*) FROM majors) + (SELECT COUNT(*) FROM courses) + (SELECT COUNT(*) FROM points)
                    + (SELECT COUNT(*) FROM jobs) AS nodes,
                    (SELECT COUNT(*) FROM courses) + (SELECT COUNT(*) FROM points) + (SELECT COUNT(*) FROM pointPrerequisites)
                    + (SELECT COUNT(*) FROM jobSkills) AS edges
                """
        )
        builder.reserve(nodes: sizes?["nodes"] ?? 0, edges: sizes?["edges"] ?? 0)
        let rows = try Row.fetchCursor(db, sql: "SELECT code, name FROM majors ORDER BY code")
        while let row = try rows.next() { builder.add(.major, key: row[0], name: row[1]) }
        let courses = try Row.fetchCursor(db, sql: "SELECT id, name, major, category FROM courses ORDER BY major, name")
        while let row = try courses.next() {
            let course = builder.add(.course, key: row[0], name: row[1], detail: row[3])
            if let major = builder.node(.major, row[2]) { builder.link(major, course, .hasCourse) }
        }
        // Creation order, so a course's points keep the order they were written in.
        let points = try Row.fetchCursor(db, sql: "SELECT id, name, course, kind FROM points ORDER BY createdAt, rowid")
        while let row = try points.next() {
            let kind: String = row[3]
            let point = builder.add(kind == PointKind.skill.rawValue ? .skill : .knowledge, key: row[0], name: row[1])
            if let course = builder.node(.course, row[2]) { builder.link(course, point, .teaches) }
        }
        let prerequisites = try Row.fetchCursor(db, sql: "SELECT point, prerequisite FROM pointPrerequisites")
        while let row = try prerequisites.next() {
            if let point = builder.node(.knowledge, row[0]), let prerequisite = builder.node(.knowledge, row[1]) {
                builder.link(prerequisite, point, .prerequisiteOf)
            }
        }
        let jobs = try Row.fetchCursor(db, sql: "SELECT id, name, occupationCode FROM jobs ORDER BY name")
        while let row = try jobs.next() { builder.add(.job, key: row[0], name: row[1], detail: row[2]) }
        let skills = try Row.fetchCursor(db, sql: "SELECT job, point FROM jobSkills")
        while let row = try skills.next() {
            if let job = builder.node(.job, row[0]), let skill = builder.node(.knowledge, row[1]) { builder.link(skill, job, .requiredBy) }
        }
        let plans = try Row.fetchCursor(db, sql: "SELECT major, json_extract(plan, '$.jobs') FROM majorPlans")
        while let row = try plans.next() {
            guard let major = builder.node(.major, row[0]), let text: String = row[1] else { continue }
            let targets = (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
            for key in targets { if let job = builder.node(.job, key) { builder.link(major, job, .targets) } }
        }
        return builder.build(revision: revision)
    }
}
