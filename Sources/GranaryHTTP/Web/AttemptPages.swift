import Foundation
import GranaryAssessment
import GranaryLearning
import GranaryModel
import Hummingbird

/// `/attempts/{id}`: sitting a paper (作答). The page shows what `AttemptStore.attempt` gives, which holds no
/// answer key and no analysis before submission; `app.js` saves and submits through `/api/v1/attempts/{id}`.
struct AttemptPages: Sendable {
    let pages: Pages
    let attempts: AttemptStore
    let offerings: OfferingStore
    let papers: PaperStore

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("attempts/{id}", use: self.attemptPage)
    }

    struct AttemptPage: Sendable {
        struct Choice: Sendable {
            let id: String
            let text: String
            let checked: Bool
        }

        struct Blank: Sendable {
            let number: Int
            let value: String
        }

        struct Outcome: Sendable {
            let correct: Bool
            let wrong: Bool
            let pending: Bool
            let score: String
            let analysis: String?
        }

        struct Item: Sendable {
            let question: String
            let position: Int
            let type: String
            let typeName: String
            let score: String
            let stem: String
            let single: Bool
            let multiple: Bool
            let judge: Bool
            let fill: Bool
            let text: Bool
            let choices: [Choice]
            let judgedTrue: Bool
            let judgedFalse: Bool
            let blanks: [Blank]
            let written: String
            let rubric: [String]
            let answered: String
            let outcome: Outcome?
            /// Answer fields: while open and, in practice, until the answer is checked.
            let editable: Bool
            /// 核对 (practice only): the answer can be checked now.
            let checkable: Bool
            /// The result, the learner's answer and the analysis: once submitted, or once checked in practice.
            let showResult: Bool
            /// The right answer, in practice once checked.
            let rightAnswer: String?
        }

        let id: String
        let paper: String
        let paperTitle: String
        let paperHref: String
        let offering: String?
        let open: Bool
        let score: String
        let maxScore: String
        let pending: Int
        let hasPending: Bool
        let items: [Item]
        let backHref: String?
        let nextHref: String?
        /// 练一练: answers are checked one by one.
        let practice: Bool
        /// Answers checked so far in an open practice set; nil when none.
        let checkedCount: Int?
    }

    @Sendable func attemptPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let id = try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
        let attempt = try await self.attempts.attempt(id: id, viewer: user)
        let paper = try await self.papers.paper(id: attempt.paper)
        let offeringId = request.uri.queryParameters["offering"].flatMap { UUID(uuidString: String($0)) }?.uuidString.lowercased()
        let results = Dictionary((attempt.items ?? []).map { ($0.question, $0) }, uniquingKeysWith: { first, _ in first })
        let pending = Set(attempt.pending ?? [])
        let items = attempt.questions.sorted { $0.position < $1.position }.map { question in
            Self.attemptItem(
                question,
                of: attempt.id,
                answer: attempt.answers[question.question],
                result: results[question.question],
                pending: pending,
                open: attempt.status == "open",
                practice: attempt.practice
            )
        }
        // After submission, the way on through the offering it was opened from.
        var next: String?
        if let offeringId, attempt.status != "open", let offering = try? await self.offerings.offering(id: offeringId, viewer: user, preview: false) {
            let after = Pages.nextHref(after: Offering.Item(paper: attempt.paper), in: offering)
            next = after.href
        }
        let page = AttemptPage(
            id: id,
            paper: paper.id,
            paperTitle: paper.title,
            paperHref: "/papers/\(paper.id)" + (offeringId.map { "?offering=\($0)" } ?? ""),
            offering: offeringId,
            open: attempt.status == "open",
            score: Pages.number(attempt.score ?? 0),
            maxScore: Pages.number(attempt.maxScore),
            pending: pending.count,
            hasPending: !pending.isEmpty,
            items: items,
            backHref: offeringId.map { "/offerings/\($0)" },
            nextHref: next,
            practice: attempt.practice,
            checkedCount: attempt.status == "open" && !results.isEmpty ? results.count : nil
        )
        return try await self.pages.render("attempt", title: paper.title, page: page, context: context, path: request.uri.path)
    }

    /// One question as the form (open) or the result (submitted) shows it, with the learner's own answer.
    static func attemptItem(
        _ question: Attempt.Item,
        of attempt: String,
        answer: JSONValue?,
        result: Attempt.Result?,
        pending: Set<String>,
        open: Bool = true,
        practice: Bool = false
    )
        -> AttemptPage.Item
    {
        // The attempt shows the question's files to its learner, and only those its texts show now.
        func html(_ text: String) -> String {
            QuestionText.html(text, files: question.files) { "/api/v1/attempts/\(attempt)/files/\($0.sha256)" }
        }
        var chosen: Set<String> = []
        var blanks: [String] = []
        var written = ""
        var judged: Bool?
        switch answer {
        case .string(let value):
            chosen = [value]
            written = value
        case .array(let values):
            for value in values {
                if case .string(let text) = value {
                    chosen.insert(text)
                    blanks.append(text)
                }
            }
        case .bool(let value): judged = value
        default: break
        }
        let count = max(question.blanks ?? 1, 1)
        let outcome = result.map { result in
            AttemptPage.Outcome(
                correct: result.correct == true,
                wrong: result.correct == false,
                pending: pending.contains(question.question),
                score: result.score.map(Pages.number) ?? "—",
                analysis: result.analysis.map(html)
            )
        }
        let answered: String =
            switch question.type {
            case .single, .multiple: question.options.filter { chosen.contains($0.id) }.map(\.id).joined(separator: "、")
            case .judge: judged.map { $0 ? "正确" : "错误" } ?? ""
            case .fill: blanks.joined(separator: "；")
            case .short, .practical: written
            }
        return AttemptPage.Item(
            question: question.question,
            position: question.position,
            type: question.type.rawValue,
            typeName: question.type.chineseName,
            score: Pages.number(question.score),
            stem: html(question.stem),
            single: question.type == .single,
            multiple: question.type == .multiple,
            judge: question.type == .judge,
            fill: question.type == .fill,
            text: question.type == .short || question.type == .practical,
            choices: question.options.map { AttemptPage.Choice(id: $0.id, text: html($0.text), checked: chosen.contains($0.id)) },
            judgedTrue: judged == true,
            judgedFalse: judged == false,
            blanks: (0..<count).map { AttemptPage.Blank(number: $0 + 1, value: $0 < blanks.count ? blanks[$0] : "") },
            written: written,
            rubric: question.rubric.map { "\($0.criterion)（\(Pages.number($0.points)) 分）" },
            answered: answered.isEmpty ? "（未作答）" : answered,
            outcome: outcome,
            editable: open && result == nil,
            checkable: open && practice && result == nil && question.type != .short && question.type != .practical,
            showResult: !open || result != nil,
            rightAnswer: result?.rightAnswer.map { Self.words(of: $0, for: question) }
        )
    }

    /// A right answer as a learner reads it: option letters, 对/错, blanks with their alternatives.
    static func words(of answer: JSONValue, for question: Attempt.Item) -> String {
        switch (question.type, answer) {
        case (.judge, .bool(let value)): return value ? "对" : "错"
        case (_, .string(let value)): return value
        case (_, .array(let values)):
            return values.map { value in
                switch value {
                case .string(let text): text
                case .array(let alternatives):
                    alternatives.compactMap { if case .string(let text) = $0 { text } else { nil } }.joined(separator: " 或 ")
                default: ""
                }
            }.joined(separator: question.type == .fill ? "；" : "、")
        default: return ""
        }
    }
}
