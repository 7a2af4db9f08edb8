import Foundation
import GranaryAssessment
import GranaryModel
import GranaryReview
import GranaryStore

/// The demo (`granary serve --demo`) in one place: the library of `DemoLibrary`, published by real review decisions,
/// a paper of its objective questions, and the offering of `DemoCourse` that uses it.
public enum Demo {
    /// What `granary serve --demo` prints: whether the demo was loaded, and the logins (with the authenticator secret
    /// of the accounts that log in with two steps).
    public static func banner(loaded: Bool) -> String {
        var text =
            loaded
            ? "Demo library loaded: 460110 智能焊接技术, 4 courses, 16 points, 12 resources, 8 questions, a paper and an offering.\n"
            : "Store not empty: demo data not loaded again.\n"
        text += "Demo logins (password for all: \(DemoLibrary.logins[0].password)):\n"
        for login in DemoLibrary.logins {
            text += "  \(login.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(login.username)"
            // Two-step log-in: the code comes from an authenticator app given this secret.
            if let secret = login.totpSecret { text += "  totp-secret: \(secret)" }
            text += "\n"
        }
        return text
    }

    /// Loads the whole demo into an empty library; false (and nothing changed) when the library already has accounts.
    public static func load(into library: Library) async throws -> Bool {
        let reviews = ReviewService(database: library.database)
        let loaded = try await DemoLibrary.load(into: library) { type, id, reviewer in
            _ = try await reviews.decide(
                type,
                id: id,
                decision: .approve,
                checks: ReviewChecks(political: true, scientific: true, applicability: true, normativity: true),
                comment: "示例数据：载入演示库时审核通过",
                version: nil,
                reviewer: reviewer
            )
        }
        guard loaded else { return false }
        try await DemoCourse.load(into: library, paper: try await Self.paper(in: library))
        return true
    }

    /// A paper of the demo's objective questions, so the demo learner's attempt is scored at once, in the usual order
    /// of a paper; nil when the demo teacher is missing.
    static func paper(in library: Library) async throws -> String? {
        guard let teacher = try await library.accounts.user(named: "zhang.laoshi") else { return nil }
        let questions = try await QuestionStore(database: library.database).list(
            .init(course: "weld-methods", status: .approved),
            viewer: teacher,
            PageRequest(pageSize: 100)
        )
        let objective = questions.items.filter { $0.type.isObjective }
            .sorted { QuestionType.allCases.firstIndex(of: $0.type)! < QuestionType.allCases.firstIndex(of: $1.type)! }.map(\.id)
        return try await PaperStore(database: library.database).create(
            course: "weld-methods",
            title: "焊接方法单元测验",
            questions: objective,
            author: teacher
        ).id
    }
}
