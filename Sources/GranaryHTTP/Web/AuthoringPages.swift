import Foundation
import GranaryAssessment
import GranaryModel
import GranaryStore
import Hummingbird

/// `/upload`, `/questions/import` and `/papers/new`: forms that `app.js` sends to `POST /api/v1/resources`,
/// `POST /api/v1/questions/import` and `POST /api/v1/papers`, so uploads are checked exactly as API uploads are; and
/// what they make: a question (`/questions/{id}`, with its files in place) and a paper.
struct AuthoringPages: Sendable {
    let pages: Pages
    let papers: PaperStore
    let questions: QuestionStore
    let catalogue: CatalogueStore
    /// Largest upload, shown on the upload form.
    let maximumUploadSize: Int64

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("upload", use: self.uploadPage)
        pages.get("questions/import", use: self.importPage)
        pages.get("questions/{id}", use: self.questionPage)
        pages.get("papers/new", use: self.paperBuilder)
        pages.get("papers/{id}", use: self.paperPage)
    }

    struct UploadPage: Sendable {
        let picker: Pages.CoursePicker
        let licenses: [String]
        let maximumSize: String
    }

    @Sendable func uploadPage(request: Request, context: AppRequestContext) async throws -> Response {
        // The same roles as POST /api/v1/resources.
        _ = try self.pages.require(context, roles: .teacher, .admin, to: "上传资源")
        let page = UploadPage(
            picker: Pages.CoursePicker(try await self.pages.names.current()),
            licenses: ["CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0", "CC BY-NC-SA 4.0", "保留所有权利"],
            maximumSize: Pages.size(self.maximumUploadSize)
        )
        return try await self.pages.render("upload", title: "上传资源", page: page, context: context, path: "/upload")
    }

    struct ImportPage: Sendable {
        struct Choice: Sendable {
            let value: String
            let label: String
            let selected: Bool
        }

        let picker: Pages.CoursePicker
        let difficulties: [Choice]
        let formats: [Choice]
        let maximumSize: String
    }

    /// `/questions/import`: a question file into the bank through `POST /api/v1/questions/import`, with the templates.
    @Sendable func importPage(request: Request, context: AppRequestContext) async throws -> Response {
        _ = try self.pages.require(context, roles: .teacher, .admin, to: "导入试题")
        let names = ["易", "较易", "中", "较难", "难"]
        let formats: [(QuestionFormat, String)] = [
            (.docx, "Word 模板（.docx）"), (.xlsx, "Excel 模板（.xlsx）"), (.moodle, "Moodle XML"), (.gift, "GIFT"), (.aiken, "Aiken"),
            (.qti, "QTI 2.1/2.2/3.0"), (.qti12, "QTI 1.2（Canvas、Blackboard）"),
        ]
        let page = ImportPage(
            picker: Pages.CoursePicker(try await self.pages.names.current()),
            difficulties: names.enumerated().map {
                .init(value: String($0.offset + 1), label: "\($0.offset + 1) \($0.element)", selected: $0.offset == 2)
            },
            formats: formats.map { .init(value: $0.0.rawValue, label: $0.1, selected: false) },
            maximumSize: Pages.size(Int64(QuestionController.maximumImportBytes))
        )
        return try await self.pages.render("question-import", title: "导入试题", page: page, context: context, path: "/questions/import")
    }

    struct QuestionPage: Sendable {
        let id: String
        let title: String
        let question: Pages.QuestionView
        let facts: [Pages.Fact]
        /// Whether the viewer may send it to review now (its author, while it is a draft or sent back).
        let submittable: Bool
    }

    /// `/questions/{id}`: a question as the bank shows it to a teacher, reviewer or admin (the version they may see, or
    /// `?version=`), its pictures, sounds and films in place; its author sends a draft to review from here.
    @Sendable func questionPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.require(context, roles: .teacher, .reviewer, .admin, to: "查看试题")
        let question = try await self.questions.question(
            id: try context.parameters.require("id"),
            version: try request.uri.positiveInt("version"),
            viewer: user
        )
        let names = try await self.pages.names.current(courses: [question.course])
        let page = QuestionPage(
            id: question.id,
            title: "\(question.type.chineseName)：" + String(QuestionText.title(question.stem).prefix(40)),
            question: Pages.QuestionView(question),
            facts: try await self.pages.facts(of: question, names: names, catalogue: self.catalogue),
            submittable: question.createdBy == user.username && [.draft, .changesRequested, .rejected].contains(question.status)
        )
        return try await self.pages.render("question", title: page.title, page: page, context: context, path: request.uri.path)
    }

    struct PaperBuilderPage: Sendable {
        struct TypeCount: Sendable {
            let type: String
            let name: String
            let count: Int
        }

        let picker: Pages.CoursePicker
        let types: [TypeCount]
    }

    @Sendable func paperBuilder(request: Request, context: AppRequestContext) async throws -> Response {
        _ = try self.pages.require(context, roles: .teacher, .admin, to: "组卷")
        let defaults: [QuestionType: Int] = [.single: 4, .multiple: 2, .judge: 2, .fill: 1, .short: 1, .practical: 0]
        let page = PaperBuilderPage(
            picker: Pages.CoursePicker(try await self.pages.names.current()),
            types: QuestionType.allCases.map { PaperBuilderPage.TypeCount(type: $0.rawValue, name: $0.chineseName, count: defaults[$0] ?? 0) }
        )
        return try await self.pages.render("paper-new", title: "组卷", page: page, context: context, path: "/papers/new")
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
        let facts: [Pages.Fact]
        let items: [Item]
        /// Anyone but the paper's author may sit it (`POST /api/v1/papers/{id}/attempts`).
        let canStart: Bool
        let id: String
        /// The offering the paper was opened from, carried to the attempt so its progress is recorded.
        let offering: String?
        let offeringHref: String?
    }

    @Sendable func paperPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let paper = try await self.papers.paper(id: try context.parameters.require("id"))
        let names = try await self.pages.names.current(courses: [paper.course])
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
                    score: Pages.number(item.score),
                    stem: question.map { Pages.html($0.stem, of: $0) } ?? "（试题 \(item.question) 不可见）",
                    options: question.map { question in question.options.map { .init(id: $0.id, text: Pages.html($0.text, of: question)) } } ?? [],
                    answer: showsAnswers ? question.map { Pages.answerText($0) } : nil
                )
            )
        }
        let figures = paper.figures
        let page = PaperPage(
            title: paper.title,
            course: names.courses[paper.course]?.name ?? paper.course,
            totalScore: Pages.number(paper.totalScore),
            facts: [
                Pages.Fact(label: "题量", value: "\(figures.questions) 题"),
                Pages.Fact(
                    label: "题型",
                    value: QuestionType.allCases.compactMap { type in figures.byType[type.rawValue].map { "\(type.chineseName) \($0)" } }.joined(
                        separator: "、"
                    )
                ),
                Pages.Fact(label: "平均难度", value: String(format: "%.2f", figures.difficultyMean)),
                Pages.Fact(
                    label: "覆盖知识点",
                    value: "\(figures.covered.count) 个" + (figures.uncovered.isEmpty ? "" : "，未覆盖 \(figures.uncovered.count) 个")
                ),
                Pages.Fact(label: "组卷人", value: paper.createdBy),
                Pages.Fact(label: "时间", value: Pages.format(paper.createdAt)),
            ],
            items: items,
            canStart: paper.createdBy != user.username,
            id: paper.id,
            offering: offering,
            offeringHref: offering.map { "/offerings/\($0)" }
        )
        return try await self.pages.render("paper", title: paper.title, page: page, context: context, path: request.uri.path)
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
