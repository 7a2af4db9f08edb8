import Foundation
import GranaryAssessment
import GranaryModel
import GranaryStore
import Hummingbird

/// `/upload` and `/papers/new`: forms that `app.js` sends to `POST /api/v1/resources` and `POST /api/v1/papers`,
/// so uploads stream and are checked exactly as API uploads are.
extension WebInterface {
    /// Courses grouped by major, for the course pickers; points are fetched per course from the API by `app.js`.
    struct CoursePicker: Sendable {
        struct Group: Sendable {
            let label: String
            let courses: [Option]
        }

        struct Option: Sendable {
            let id: String
            let name: String
            let major: String
        }

        let groups: [Group]

        init(_ names: CatalogueNames.Snapshot) {
            self.groups = names.coursesByMajor.map { major, courses in
                Group(
                    label: "\(major.name)（\(major.code)）",
                    courses: courses.map { Option(id: $0.id, name: "\($0.name) · \($0.category.chineseName)", major: $0.major) }
                )
            }
        }
    }

    struct UploadPage: Sendable {
        let picker: CoursePicker
        let licenses: [String]
        let maximumSize: String
    }

    @Sendable func uploadPage(request: Request, context: AppRequestContext) async throws -> Response {
        // The same roles as POST /api/v1/resources.
        _ = try self.require(context, roles: .teacher, .admin, to: "上传资源")
        let page = UploadPage(
            picker: CoursePicker(try await self.names.current()),
            licenses: ["CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0", "CC BY-NC-SA 4.0", "保留所有权利"],
            maximumSize: Self.size(self.maximumUploadSize)
        )
        return try await self.render("upload", title: "上传资源", page: page, context: context, path: "/upload")
    }

    struct PaperBuilderPage: Sendable {
        struct TypeCount: Sendable {
            let type: String
            let name: String
            let count: Int
        }

        let picker: CoursePicker
        let types: [TypeCount]
    }

    @Sendable func paperBuilder(request: Request, context: AppRequestContext) async throws -> Response {
        _ = try self.require(context, roles: .teacher, .admin, to: "组卷")
        let defaults: [QuestionType: Int] = [.single: 4, .multiple: 2, .judge: 2, .fill: 1, .short: 1, .practical: 0]
        let page = PaperBuilderPage(
            picker: CoursePicker(try await self.names.current()),
            types: QuestionType.allCases.map { PaperBuilderPage.TypeCount(type: $0.rawValue, name: $0.chineseName, count: defaults[$0] ?? 0) }
        )
        return try await self.render("paper-new", title: "组卷", page: page, context: context, path: "/papers/new")
    }

    struct PaperPage: Sendable {
        struct Item: Sendable {
            let position: Int
            let type: String
            let difficulty: Int
            let score: String
            let stem: String
            let options: [Question.Option]
            let answer: String?
        }

        let title: String
        let course: String
        let totalScore: String
        let facts: [Fact]
        let items: [Item]
        /// Anyone but the paper's author may sit it (`POST /api/v1/papers/{id}/attempts`).
        let canStart: Bool
        let id: String
        /// The offering the paper was opened from, carried to the attempt so its progress is recorded.
        let offering: String?
        let offeringHref: String?
    }

    @Sendable func paperPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.viewer(context)
        let paper = try await self.papers.paper(id: try context.parameters.require("id"))
        let names = try await self.names.current(courses: [paper.course])
        let showsAnswers = user.role != .learner
        let offering = request.uri.queryParameters["offering"].flatMap { UUID(uuidString: String($0)) }?.uuidString.lowercased()
        var items: [PaperPage.Item] = []
        for item in paper.items.sorted(by: { $0.position < $1.position }) {
            let question = try? await self.questions.question(id: item.question, version: item.version, viewer: user)
            items.append(
                PaperPage.Item(
                    position: item.position,
                    type: item.type.chineseName,
                    difficulty: item.difficulty,
                    score: Self.number(item.score),
                    stem: question?.stem ?? "（试题 \(item.question) 不可见）",
                    options: question?.options ?? [],
                    answer: showsAnswers ? question.map { Self.answerText($0) } : nil
                )
            )
        }
        let figures = paper.figures
        let page = PaperPage(
            title: paper.title,
            course: names.courses[paper.course]?.name ?? paper.course,
            totalScore: Self.number(paper.totalScore),
            facts: [
                Fact(label: "题量", value: "\(figures.questions) 题"),
                Fact(
                    label: "题型",
                    value: QuestionType.allCases.compactMap { type in figures.byType[type.rawValue].map { "\(type.chineseName) \($0)" } }.joined(
                        separator: "、"
                    )
                ),
                Fact(label: "平均难度", value: String(format: "%.2f", figures.difficultyMean)),
                Fact(label: "覆盖知识点", value: "\(figures.covered.count) 个" + (figures.uncovered.isEmpty ? "" : "，未覆盖 \(figures.uncovered.count) 个")),
                Fact(label: "组卷人", value: paper.createdBy),
                Fact(label: "时间", value: Self.format(paper.createdAt)),
            ],
            items: items,
            canStart: paper.createdBy != user.username,
            id: paper.id,
            offering: offering,
            offeringHref: offering.map { "/offerings/\($0)" }
        )
        return try await self.render("paper", title: paper.title, page: page, context: context, path: request.uri.path)
    }

    /// `100` or `2.5`.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// A question's reference answer as a line of text.
    static func answerText(_ question: Question) -> String {
        func text(_ value: JSONValue) -> String {
            switch value {
            case .string(let string): return string
            case .bool(let bool): return bool ? "正确" : "错误"
            case .array(let items): return items.map(text).joined(separator: "、")
            case .number(let number): return Self.number(number)
            default: return ""
            }
        }
        return text(question.answer)
    }
}

extension QuestionType {
    /// The type's name on pages.
    var chineseName: String {
        switch self {
        case .single: "单选题"
        case .multiple: "多选题"
        case .judge: "判断题"
        case .fill: "填空题"
        case .short: "简答题"
        case .practical: "实操题"
        }
    }
}
