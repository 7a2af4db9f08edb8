import Foundation
import GranaryEmbeddings
import GranaryLearning
import GranaryModel
import GranarySearch
import GranaryStore
import MCP

/// Finding and reading resources: search, a resource's text passage by passage, related resources.
extension Assistant {
    static let everyone: Set<Role> = [.learner, .teacher, .reviewer, .admin]

    /// One hit as the assistant shows it.
    struct FoundResource: Encodable {
        let id: String
        let title: String
        let kind: String
        let major: String
        let course: String
        let knowledgePoints: [String]
        let snippet: String
        let link: String
    }

    struct SearchAnswer: Encodable {
        let query: String
        let mode: String
        let total: Int
        let page: Int
        let items: [FoundResource]
    }

    /// A resource's facts and one passage of its text.
    struct ResourceReading: Encodable {
        let id: String
        let version: Int
        let title: String
        let description: String?
        let kind: String
        let major: String
        let course: String
        let knowledgePoints: [String]
        let original: Bool
        let source: String?
        let license: String?
        let status: String
        let author: String
        let link: String
        let chunkCount: Int
        let chunk: TextChunks.Chunk?
    }

    struct Suggestions<Item: Encodable>: Encodable {
        let basis: String
        let items: [Item]
    }

    var libraryTools: [AssistantTool] {
        [
            AssistantTool(
                name: "search_resources",
                title: "检索资源",
                description: """
                    检索资源库中的教学资源（可按专业、课程、知识点、类型筛选）。本站配置了语义模型时默认综合按词和按语义检索（mode=hybrid），\
                    能找到换了说法的问题（如“怎么防止焊接时工件变形”）；返回标题、所属课程、命中的文字片段和可引用的链接。学习者只会检索到已审核通过的资源。
                    """,
                properties: [
                    "query": Schema.string("检索词，如“焊接变形 控制”；多个词以空格分隔"),
                    "major": Schema.string("专业代码，如 460110"),
                    "course": Schema.string("课程编号"),
                    "knowledge_point": Schema.string("知识点编号"),
                    "kind": Schema.string("资源类型", choices: ResourceKind.allCases.map(\.rawValue)),
                    "page": Schema.integer("页码", minimum: 1, maximum: 1000, default: 1),
                    "page_size": Schema.integer("每页条数", minimum: 1, maximum: 20, default: 10),
                    "mode": Schema.string("words 按词；meaning 按语义；hybrid 综合（配置了语义模型时的默认）", choices: MeaningSearch.Mode.allCases.map(\.rawValue)),
                ],
                required: ["query"],
                roles: Self.everyone
            ) { arguments, caller in
                try await self.searchResources(arguments, caller: caller)
            },
            AssistantTool(
                name: "read_resource",
                title: "阅读资源",
                description: "读取一个资源的元数据和从文件中提取的文字。文字按段切分（每段约 400 字），用 chunk 指定第几段（从 0 开始），返回总段数和可引用的链接。",
                properties: [
                    "id": Schema.string("资源编号（检索结果中的 id）"),
                    "chunk": Schema.integer("第几段文字，从 0 开始", minimum: 0, maximum: 100_000, default: 0),
                ],
                required: ["id"],
                roles: Self.everyone
            ) { arguments, caller in
                try await self.readResource(arguments, caller: caller)
            },
            AssistantTool(
                name: "search_answers",
                title: "检索课程问答",
                description: "检索课程讨论区中被授课教师标为“解答”的问答（答疑）：问题或回答包含每个检索词（空格分隔），可限定课程。返回问题、教师的解答和讨论链接。",
                properties: [
                    "query": Schema.string("检索词，空格分隔；不填则列出最新的问答"),
                    "course": Schema.string("课程编号（可选）"),
                    "page": Schema.integer("页码", minimum: 1, maximum: 1000, default: 1),
                ],
                roles: Self.everyone
            ) { arguments, caller in
                let found = try await self.discussions.answers(
                    query: try arguments.string("query") ?? "",
                    course: try arguments.string("course"),
                    PageRequest(page: try arguments.integer("page", in: 1...1000, default: 1), pageSize: 10)
                )
                struct Item: Encodable {
                    let question: String
                    let answer: String
                    let answeredBy: String
                    let offering: String
                    let course: String
                    let link: String
                }
                struct Answers: Encodable {
                    let total: Int
                    let items: [Item]
                }
                let items = found.items.map {
                    Item(
                        question: $0.asked,
                        answer: $0.answered,
                        answeredBy: $0.answeredBy,
                        offering: $0.offeringTitle,
                        course: $0.course,
                        link: caller.link($0.path)
                    )
                }
                let lines = items.map { "· 问：\($0.question)\n  答（\($0.answeredBy)）：\($0.answer)\n  \($0.link)" }
                return try ToolOutput(
                    "找到 \(found.total) 条课程问答" + (items.isEmpty ? "。" : "：\n" + lines.joined(separator: "\n")),
                    Answers(total: found.total, items: items)
                )
            },
            AssistantTool(
                name: "recommend_resources",
                title: "推荐资源",
                description: "推荐资源：给出 resource 时推荐与该资源相关的资源（同知识点、相邻知识点、同课程、同好评）；不给时按当前学习者的学习记录推荐下一步该学的资源。",
                properties: [
                    "resource": Schema.string("资源编号（可选）"),
                    "limit": Schema.integer("条数", minimum: 1, maximum: 20, default: 10),
                ],
                roles: Self.everyone
            ) { arguments, caller in
                let limit = try arguments.integer("limit", in: 1...20, default: 10)
                if let resource = try arguments.string("resource") {
                    let related = try await self.recommendations.related(to: resource, viewer: caller.user, limit: limit)
                    let lines = related.map { "· \($0.title)（\(caller.link("/resources/\($0.id)"))）" }
                    return try ToolOutput(
                        "与该资源相关的 \(related.count) 个资源：\n" + lines.joined(separator: "\n"),
                        Suggestions(basis: "related", items: related)
                    )
                }
                let suggestions = try await self.learnerRecommendations.suggestions(for: caller.user, limit: limit)
                let lines = suggestions.map { "· \($0.title)（\(caller.link("/resources/\($0.resource)"))）" }
                return try ToolOutput(
                    "按学习记录推荐 \(suggestions.count) 个资源：\n" + lines.joined(separator: "\n"),
                    Suggestions(basis: "history", items: suggestions)
                )
            },
        ]
    }

    private func searchResources(_ arguments: ToolArguments, caller: Caller) async throws -> ToolOutput {
        let text = try arguments.required("query")
        let page = PageRequest(
            page: try arguments.integer("page", in: 1...1000, default: 1),
            pageSize: try arguments.integer("page_size", in: 1...20, default: 10)
        )
        let filter = ResourceFilter(
            major: try arguments.string("major"),
            course: try arguments.string("course"),
            knowledgePoint: try arguments.string("knowledge_point"),
            kind: try arguments.choice("kind", as: ResourceKind.self)
        )
        let query = SearchQuery(text, viewer: caller.user, page: page, filter: filter)
        let mode = try arguments.choice("mode", as: MeaningSearch.Mode.self) ?? (self.meaning == nil ? .words : .hybrid)
        let results: (total: Int, hits: [(document: SearchDocument, snippet: Snippet)])
        if mode == .words {
            let found = try await self.search.search(query)
            results = (found.total, found.hits.map { ($0.document, $0.snippet) })
        } else {
            guard let meaning = self.meaning else {
                throw ToolArguments.invalid("mode", "只能为 words：本站未配置语义模型", "must be words: no model is configured")
            }
            let found = try await meaning.search(query, text: text, mode: mode)
            results = (found.total, found.hits.map { ($0.document, $0.snippet) })
        }
        let items = results.hits.map { hit in
            FoundResource(
                id: hit.document.id,
                title: hit.document.title,
                kind: hit.document.kind.rawValue,
                major: hit.document.major,
                course: hit.document.course,
                knowledgePoints: hit.document.knowledgePoints,
                snippet: hit.snippet.text,
                link: caller.link("/resources/\(hit.document.id)")
            )
        }
        let lines = items.enumerated().map { "\($0.offset + 1). \($0.element.title)（\($0.element.link)）\n   \($0.element.snippet)" }
        return try ToolOutput(
            "“\(text)”共找到 \(results.total) 个资源" + (items.isEmpty ? "。" : "，本页 \(items.count) 个：\n" + lines.joined(separator: "\n")),
            SearchAnswer(query: text, mode: mode.rawValue, total: results.total, page: page.page, items: items)
        )
    }

    private func readResource(_ arguments: ToolArguments, caller: Caller) async throws -> ToolOutput {
        let id = try arguments.required("id").lowercased()
        let wanted = try arguments.integer("chunk", in: 0...100_000, default: 0)
        let (resource, text) = try await self.resources.text(id: id, viewer: caller.user)
        let chunks = TextChunks.split(text ?? "")
        if !chunks.isEmpty && wanted >= chunks.count {
            throw ToolArguments.invalid("chunk", "超出范围：此资源的文字共 \(chunks.count) 段（0–\(chunks.count - 1)）", "is past the last passage")
        }
        let reading = ResourceReading(
            id: resource.id,
            version: resource.version,
            title: resource.title,
            description: resource.description,
            kind: resource.kind.rawValue,
            major: resource.major,
            course: resource.course,
            knowledgePoints: resource.knowledgePoints,
            original: resource.original,
            source: resource.source,
            license: resource.license,
            status: resource.status.rawValue,
            author: resource.createdBy,
            link: caller.link("/resources/\(resource.id)"),
            chunkCount: chunks.count,
            chunk: chunks.isEmpty ? nil : chunks[wanted]
        )
        let body =
            chunks.isEmpty
            ? "此资源的文件没有可读的文字（如图片、音频、视频），请依据标题和说明引用。"
            : "第 \(wanted) 段（共 \(chunks.count) 段）：\n\(chunks[wanted].text)"
        return try ToolOutput("《\(resource.title)》（\(reading.link)）\n\(body)", reading)
    }
}
