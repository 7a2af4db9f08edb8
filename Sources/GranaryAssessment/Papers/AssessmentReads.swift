import Foundation
import GRDB
import GranaryStore

/// Who teaches with a paper besides its author. Offerings give papers to classes, and a teacher who published one
/// that gives a paper reads and grades its attempts. GranaryLearning owns offerings and answers; this target asks
/// inside its own transaction, so the answer and the attempt come from one snapshot.
public protocol PaperOfferings: Sendable {
    /// Whether `teacher` (a user id) published an offering, in any revision, that gives `paper`.
    func offer(_ db: any SQLConnection, paper: String, publishedBy teacher: String) throws -> Bool
}

/// What other targets read of papers and attempts, inside their own transactions: the narrow read model through
/// which they see this target's tables.
extension PaperStore {
    /// The title and course of each of these papers, in one read; ids of no paper are left out, and so are
    /// practice sets (a learner's own: no offering gives them).
    public static func headings(_ db: any SQLConnection, ids: Set<String>) throws -> [String: (title: String, course: String)] {
        guard !ids.isEmpty else { return [:] }
        var headings: [String: (title: String, course: String)] = [:]
        for row in try db.fetchAll(
            sql: "SELECT id, title, course FROM papers WHERE kind = 'exam' AND id IN (\(databaseQuestionMarks(count: ids.count)))",
            arguments: SQLArguments(Array(ids))
        ) {
            headings[row["id"]] = (row["title"], row["course"])
        }
        return headings
    }
}

extension AttemptStore {
    /// Whether `learner` (a user id) has submitted an attempt of `paper`.
    public static func hasSubmitted(_ db: any SQLConnection, paper: String, learner: String) throws -> Bool {
        try db.fetchOne(
            Bool.self,
            sql: "SELECT 1 FROM attempts WHERE paper = ? AND learner = ? AND status IN ('submitted', 'graded')",
            arguments: [paper, learner]
        ) ?? false
    }

    /// When `learner` first submitted each of `papers` they submitted.
    public static func firstSubmissions(_ db: any SQLConnection, learner: String, papers: [String]) throws -> [String: Date] {
        guard !papers.isEmpty else { return [:] }
        var first: [String: Date] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT paper, MIN(submittedAt) AS at FROM attempts
                WHERE learner = ? AND status IN ('submitted', 'graded') AND paper IN (SELECT value FROM \(db.engine.jsonArrayElements()))
                GROUP BY paper
                """,
            arguments: [learner, String(decoding: try JSONEncoder().encode(papers), as: UTF8.self)]
        ) {
            first[row["paper"]] = row["at"]
        }
        return first
    }

    /// Per paper author (a user id): how many of their papers were submitted and how many attempts, between `from`
    /// and `to`.
    public static func givenPerAuthor(_ db: any SQLConnection, from: Date, to: Date) throws -> [String: (papers: Int, attempts: Int)] {
        var given: [String: (papers: Int, attempts: Int)] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT p.createdBy, COUNT(DISTINCT a.paper), COUNT(*) FROM attempts a JOIN papers p ON p.id = a.paper
                WHERE a.submittedAt >= ? AND a.submittedAt < ? AND p.kind = 'exam' GROUP BY p.createdBy
                """,
            arguments: [from, to]
        ) {
            given[row[0]] = (row[1], row[2])
        }
        return given
    }

    /// Per grader (a user id): the hours from submission to their last grade, for each attempt whose last grade by
    /// them falls between `from` and `to`.
    public static func gradingHours(_ db: any SQLConnection, from: Date, to: Date) throws -> [String: [Double]] {
        var hours: [String: [Double]] = [:]
        for row in try db.fetchAll(
            sql: """
                SELECT g.gradedBy, a.submittedAt, MAX(g.gradedAt) AS gradedAt FROM attemptResults g JOIN attempts a ON a.id = g.attempt
                WHERE g.gradedBy IS NOT NULL AND a.submittedAt IS NOT NULL
                GROUP BY g.gradedBy, a.id HAVING MAX(g.gradedAt) >= ? AND MAX(g.gradedAt) < ?
                """,
            arguments: [from, to]
        ) {
            hours[row[0], default: []].append(max(0, (row["gradedAt"] as Date).timeIntervalSince(row["submittedAt"] as Date) / 3600))
        }
        return hours
    }
}
