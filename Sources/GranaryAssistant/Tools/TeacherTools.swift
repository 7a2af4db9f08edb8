import Foundation
import GranaryAssessment
import GranaryLearning
import GranaryModel
import GranaryReview
import GranarySearch
import GranaryStore
import MCP

/// What a teacher's assistant prepares (备课): a draft offering, a draft paper from a blueprint, and where their
/// submissions stand in review; a reviewer's sees the queue.
extension Assistant {
    static let authors: Set<Role> = [.teacher, .admin]

    /// An item waiting for review or back from it.
    struct ReviewItem: Encodable {
        let itemType: String
        let id: String
        let title: String
        let course: String
        let status: String
        let author: String
        let link: String
    }

    struct ReviewList: Encodable {
        let scope: String
        let total: Int
        let items: [ReviewItem]
    }

    struct Drafted<Item: Encodable>: Encodable {
        let link: String
        let draft: Item
    }

    /// Units proposed for a draft offering when the teacher gives none: the course's points in the order they were
    /// defined, each with its newest published resources.
    static let proposedUnits = 12
    static let resourcesPerUnit = 3

    var teacherTools: [AssistantTool] {
        [
            AssistantTool(
                name: "draft_offering",
                title: "起草课程（组课）",
                description: """
                    为一门课程起草一个课程（组课）草稿。给出 units 时按给出的单元和资源编号组课；不给时按课程知识点的顺序，\
                    每个有已发布资源的知识点成为一个单元，放入该知识点最新的 3 个资源（至多 12 个单元）。草稿不会发布，\
                    教师在返回的链接中修改后再发布。
                    """,
                properties: [
                    "course": Schema.string("课程编号"),
                    "title": Schema.string("课程（组课）标题"),
                    "description": Schema.string("简介（可选）"),
                    "units": Schema.array(
                        "单元（可选）",
                        of: Schema.object(
                            "一个单元",
                            properties: [
                                "title": Schema.string("单元标题"),
                                "resources": Schema.array("资源编号", of: Schema.string("资源编号")),
                            ],
                            required: ["title", "resources"]
                        )
                    ),
                ],
                required: ["course", "title"],
                roles: Self.authors,
                readOnly: false
            ) { arguments, caller in
                try await self.draftOffering(arguments, caller: caller)
            },
            AssistantTool(
                name: "draft_paper",
                title: "按蓝图组卷",
                description: """
                    按蓝图从课程已发布的题目中自动组卷（题型数量、难度目标与容差、需覆盖的知识点、每知识点题数上限、\
                    总分、避开最近几份试卷用过的题）。蓝图无法满足时返回具体是哪一条约束。
                    """,
                properties: [
                    "course": Schema.string("课程编号"),
                    "title": Schema.string("试卷标题"),
                    "blueprint": Schema.object(
                        "组卷蓝图",
                        properties: [
                            "total": Schema.integer("总题数", minimum: 1, maximum: 200, default: 10),
                            "byType": .object([
                                "type": "object",
                                "description":
                                    "各题型题数，如 {\"single\": 5, \"judge\": 3}；题型：\(QuestionType.allCases.map(\.rawValue).joined(separator: "、"))",
                                "additionalProperties": .object(["type": "integer", "minimum": 0]),
                            ]),
                            "difficulty": Schema.object(
                                "难度（1–5）",
                                properties: [
                                    "target": .object(["type": "number", "minimum": 1, "maximum": 5]),
                                    "tolerance": .object(["type": "number", "minimum": 0]),
                                ],
                                required: ["target", "tolerance"]
                            ),
                            "cover": .object(["description": "\"all\" 覆盖课程全部知识点，或知识点编号数组"]),
                            "score": .object(["type": "number", "description": "总分（可选）"]),
                            "maxPerPoint": .object(["type": "integer", "minimum": 1, "description": "每个知识点至多几题（可选）"]),
                            "excludeRecent": .object(["type": "integer", "minimum": 0, "description": "避开最近几份试卷用过的题（可选）"]),
                        ],
                        required: ["total", "byType", "difficulty"]
                    ),
                ],
                required: ["course", "title", "blueprint"],
                roles: Self.authors,
                readOnly: false
            ) { arguments, caller in
                guard let blueprint = try arguments.decoded("blueprint", as: PaperBlueprintInput.self) else {
                    throw ToolArguments.invalid("blueprint", "必填", "required")
                }
                let paper = try await self.papers.assemble(
                    course: try arguments.required("course"),
                    title: try arguments.required("title"),
                    blueprint: blueprint,
                    author: caller.user
                )
                let link = caller.link("/papers/\(paper.id)")
                let figures = paper.figures
                return try ToolOutput(
                    "已组卷《\(paper.title)》：\(figures.questions) 题，总分 \(figures.score)，平均难度 \(String(format: "%.2f", figures.difficultyMean))，"
                        + "覆盖 \(figures.covered.count) 个知识点" + (figures.uncovered.isEmpty ? "" : "，未覆盖 \(figures.uncovered.count) 个") + "。查看：\(link)",
                    Drafted(link: link, draft: paper)
                )
            },
            AssistantTool(
                name: "list_review_items",
                title: "审核事项",
                description: "教师：列出自己提交审核、被要求修改或未通过的资源和题目；审核员和管理员：列出审核队列中待审的资源或题目（最早提交的在前）。",
                properties: [
                    "type": Schema.string("resource（资源）或 question（题目）", choices: ReviewItemType.allCases.map(\.rawValue)),
                    "page": Schema.integer("页码", minimum: 1, maximum: 1000, default: 1),
                ],
                roles: [.teacher, .reviewer, .admin]
            ) { arguments, caller in
                try await self.reviewItems(arguments, caller: caller)
            },
        ]
    }

    private func draftOffering(_ arguments: ToolArguments, caller: Caller) async throws -> ToolOutput {
        struct GivenUnit: Decodable {
            let title: String
            let resources: [String]
        }
        let course = try arguments.required("course")
        var units: [OfferingInput.Unit]
        if let given = try arguments.decoded("units", as: [GivenUnit].self) {
            units = given.map { unit in
                OfferingInput.Unit(title: unit.title, items: unit.resources.map { Offering.Item(resource: $0.lowercased()) })
            }
        } else {
            let points = try await self.questions.coursePoints(course)
            let newest = try await self.search.newest(perPoint: Set(points.map(\.id)), limit: Self.resourcesPerUnit)
            units = []
            for point in points where units.count < Self.proposedUnits {
                guard let documents = newest[point.id]?.newest, !documents.isEmpty else { continue }
                units.append(OfferingInput.Unit(title: point.name, items: documents.map { Offering.Item(resource: $0.id) }))
            }
        }
        let offering = try await self.offerings.create(
            OfferingInput(
                course: course,
                title: try arguments.required("title"),
                description: try arguments.string("description", maximumLength: 2000),
                units: units
            ),
            author: caller.user
        )
        let link = caller.link("/offerings/\(offering.id)/edit")
        let lines = offering.units.map { "· \($0.title)：\($0.items.count) 项" }
        return try ToolOutput(
            "已起草课程《\(offering.title)》（草稿，未发布），\(offering.units.count) 个单元：\n" + lines.joined(separator: "\n") + "\n修改并发布：\(link)",
            Drafted(link: link, draft: offering)
        )
    }

    private func reviewItems(_ arguments: ToolArguments, caller: Caller) async throws -> ToolOutput {
        let type = try arguments.choice("type", as: ReviewItemType.self) ?? .resource
        let page = PageRequest(page: try arguments.integer("page", in: 1...1000, default: 1), pageSize: 20)
        let user = caller.user
        let path = type == .resource ? "/resources/" : "/questions/"
        if user.role == .reviewer || user.role == .admin {
            let queue = try await self.reviews.queue(type, viewer: user, page)
            let items = queue.items.map {
                ReviewItem(
                    itemType: type.rawValue,
                    id: $0.id,
                    title: $0.title,
                    course: $0.course,
                    status: ReviewStatus.pending.rawValue,
                    author: $0.author,
                    link: caller.link("/review/\(type.rawValue)/\($0.id)")
                )
            }
            return try ToolOutput(
                Self.reviewSummary("审核队列中待审", items, total: queue.total),
                ReviewList(scope: "queue", total: queue.total, items: items)
            )
        }
        // A teacher's own items under review or back from it.
        var items: [ReviewItem] = []
        var total = 0
        for status in [ReviewStatus.pending, .changesRequested, .rejected] {
            if type == .resource {
                let found = try await self.resources.list(ResourceFilter(status: status), viewer: user, page)
                total += found.total
                items += found.items.map {
                    ReviewItem(
                        itemType: type.rawValue,
                        id: $0.id,
                        title: $0.title,
                        course: $0.course,
                        status: status.rawValue,
                        author: $0.createdBy,
                        link: caller.link(path + $0.id)
                    )
                }
            } else {
                let found = try await self.questions.list(QuestionStore.Filter(status: status), viewer: user, page)
                total += found.total
                items += found.items.map {
                    ReviewItem(
                        itemType: type.rawValue,
                        id: $0.id,
                        title: Self.oneLine(QuestionText.title($0.stem)),
                        course: $0.course,
                        status: status.rawValue,
                        author: $0.createdBy,
                        link: caller.link(path + $0.id)
                    )
                }
            }
        }
        return try ToolOutput(Self.reviewSummary("你提交审核或被退回", items, total: total), ReviewList(scope: "mine", total: total, items: items))
    }

    /// A stem's first line, cut to 40 characters.
    private static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count > 40 ? String(line.prefix(40)) + "…" : line
    }

    private static func reviewSummary(_ what: String, _ items: [ReviewItem], total: Int) -> String {
        let names = ["pending": "待审", "changes_requested": "需修改", "rejected": "未通过"]
        let lines = items.map { "· [\(names[$0.status] ?? $0.status)] \($0.title)（\($0.link)）" }
        return "\(what)的共 \(total) 项" + (items.isEmpty ? "。" : "：\n" + lines.joined(separator: "\n"))
    }
}
