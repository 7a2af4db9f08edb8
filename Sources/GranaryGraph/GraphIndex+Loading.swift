import Foundation
import GRDB
import GranaryModel
import GranaryStore

extension GraphIndex {
    /// Reads the whole course system from SQLite, inside the caller's read transaction so the index and its
    /// revision (the change feed's sequence number it is current to) agree.
    public static func load(_ db: any SQLConnection) throws -> GraphIndex {
        let revision = try ChangeFeed.newest(db)
        let rows = try CatalogueStore.courseSystem(db)
        var builder = Builder()
        builder.reserve(
            nodes: rows.majors.count + rows.courses.count + rows.points.count + rows.jobs.count,
            edges: rows.courses.count + rows.points.count + rows.prerequisites.count + rows.jobSkills.count
        )
        for major in rows.majors { builder.add(.major, key: major.code, name: major.name) }
        for row in rows.courses {
            let course = builder.add(.course, key: row.id, name: row.name, detail: row.category)
            if let major = builder.node(.major, row.major) { builder.link(major, course, .hasCourse) }
        }
        for row in rows.points {
            let point = builder.add(row.kind == .skill ? .skill : .knowledge, key: row.id, name: row.name)
            if let course = builder.node(.course, row.course) { builder.link(course, point, .teaches) }
        }
        for row in rows.prerequisites {
            if let point = builder.node(.knowledge, row.point), let prerequisite = builder.node(.knowledge, row.prerequisite) {
                builder.link(prerequisite, point, .prerequisiteOf)
            }
        }
        for row in rows.jobs { builder.add(.job, key: row.id, name: row.name, detail: row.occupationCode) }
        for row in rows.jobSkills {
            if let job = builder.node(.job, row.job), let skill = builder.node(.knowledge, row.point) { builder.link(skill, job, .requiredBy) }
        }
        for row in rows.planJobs {
            guard let major = builder.node(.major, row.major) else { continue }
            for key in row.jobs { if let job = builder.node(.job, key) { builder.link(major, job, .targets) } }
        }
        return builder.build(revision: revision)
    }
}
