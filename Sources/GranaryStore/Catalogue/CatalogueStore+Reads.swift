import GRDB

/// What other targets read of the catalogue inside their own transactions.
extension CatalogueStore {
    /// The ids of `course`'s points in the order they were written.
    public static func pointIds(_ db: any SQLConnection, course: String) throws -> [String] {
        try db.fetchAll(String.self, sql: "SELECT id FROM points WHERE course = ? ORDER BY createdAt, rowid", arguments: [course])
    }

    /// The names of `course`'s points by id.
    public static func pointNames(_ db: any SQLConnection, course: String) throws -> [String: String] {
        var names: [String: String] = [:]
        for row in try db.fetchAll(sql: "SELECT id, name FROM points WHERE course = ?", arguments: [course]) { names[row["id"]] = row["name"] }
        return names
    }

    /// A major's name, or nil when there is no such major.
    public static func majorName(_ db: any SQLConnection, code: String) throws -> String? {
        try db.fetchOne(String.self, sql: "SELECT name FROM majors WHERE code = ?", arguments: [code])
    }

    /// The points one prerequisite step from any of `points`, either way, less `points` themselves.
    public static func neighbouringPoints(_ db: any SQLConnection, of points: [String]) throws -> [String] {
        guard !points.isEmpty else { return [] }
        let marks = databaseQuestionMarks(count: points.count)
        return try db.fetchAll(
            String.self,
            sql: """
                SELECT prerequisite FROM pointPrerequisites WHERE point IN (\(marks))
                UNION SELECT point FROM pointPrerequisites WHERE prerequisite IN (\(marks))
                """,
            arguments: SQLArguments(points + points)
        ).filter { !points.contains($0) }
    }

    /// The names of these points by id; ids that name no point are left out.
    public static func pointNames(_ db: any SQLConnection, ids: Set<String>) throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [String: String] = [:]
        for row in try db.fetchAll(
            sql: "SELECT id, name FROM points WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
            arguments: SQLArguments(Array(ids))
        ) {
            names[row["id"]] = row["name"]
        }
        return names
    }

    /// The names of these courses by id; ids that name no course are left out.
    public static func courseNames(_ db: any SQLConnection, ids: Set<String>) throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [String: String] = [:]
        for row in try db.fetchAll(
            sql: "SELECT id, name FROM courses WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
            arguments: SQLArguments(Array(ids))
        ) {
            names[row["id"]] = row["name"]
        }
        return names
    }

    /// The points that have any of `points` as a prerequisite (the next steps after them).
    public static func pointsAfter(_ db: any SQLConnection, _ points: Set<String>) throws -> Set<String> {
        guard !points.isEmpty else { return [] }
        return Set(
            try db.fetchAll(
                String.self,
                sql: "SELECT DISTINCT point FROM pointPrerequisites WHERE prerequisite IN (\(databaseQuestionMarks(count: points.count)))",
                arguments: SQLArguments(Array(points))
            )
        )
    }
}
