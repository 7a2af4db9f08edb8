import Foundation
import GranaryAssessment
import GranaryLearning
import GranaryModel
import GranaryStore
import MCP

/// The two prompts: 「备课助手」 for a teacher preparing a lesson, 「学习规划」 for a learner planning what to study.
/// Each brings what Granary knows that the model needs (the course's points, the learner's weakest points) and says
/// which tools to use, so the conversation starts from the library rather than the model's memory.
extension Assistant {
    static let prompts = [
        Prompt(
            name: "prepare_lesson",
            title: "备课助手",
            description: "为一门课程的一次课备课：找资源、读资源、写教学设计，并可起草组课和试卷",
            arguments: [
                .init(name: "course", title: "课程编号", description: "课程编号", required: true),
                .init(name: "topic", title: "主题", description: "这次课讲什么（可选），如“焊接变形的控制”", required: false),
            ]
        ),
        Prompt(
            name: "plan_learning",
            title: "学习规划",
            description: "依据我的掌握度和目标岗位，规划接下来学什么、用哪些资源学",
            arguments: [
                .init(name: "job", title: "目标岗位编号", description: "想从事的岗位（可选，课程体系中 type 为 job 的节点）", required: false),
                .init(name: "major", title: "专业代码", description: "所学专业（可选）", required: false),
            ]
        ),
    ]

    func addPrompts(to server: Server, caller: Caller) async {
        await server.withMethodHandler(ListPrompts.self) { _ in
            ListPrompts.Result(prompts: Self.prompts)
        }
        await server.withMethodHandler(GetPrompt.self) { parameters in
            do {
                switch parameters.name {
                case "prepare_lesson": return try await self.lessonPrompt(parameters.arguments ?? [:], caller: caller)
                case "plan_learning": return try await self.learningPrompt(parameters.arguments ?? [:], caller: caller)
                default: throw MCPError.invalidParams("没有名为 \(parameters.name) 的提示")
                }
            } catch let error as GranaryError {
                throw MCPError.invalidParams(error.detail.zh)
            }
        }
    }

    private func lessonPrompt(_ arguments: [String: String], caller: Caller) async throws -> GetPrompt.Result {
        guard let course = arguments["course"]?.trimmingCharacters(in: .whitespaces), !course.isEmpty else {
            throw MCPError.invalidParams("缺少参数 course（课程编号）")
        }
        let points = try await self.questions.coursePoints(course)
        let topic = arguments["topic"].flatMap { $0.isEmpty ? nil : $0 }
        let text = """
            我是\(caller.user.displayName)，要为课程 \(course) 备课\(topic.map { "，主题是“\($0)”" } ?? "")。
            这门课的知识点和技能点（编号：名称）：
            \(points.map { "- \($0.id)：\($0.name)" }.joined(separator: "\n"))

            请这样帮我：
            1. 用 search_resources（course 设为 \(course)）找与主题相关的资源，用 read_resource 读最相关的几个，引用时给出链接。
            2. 写一份教学设计：教学目标、重点难点、教学过程（导入、讲授、示范、练习、小结）、每一环节用到的资源，以及课后练习。
            3. 问我是否要用 draft_offering 把这些资源起草成课程，或用 draft_paper 按蓝图组一份小测。草稿都不会自动发布。
            只使用资源库中查到的内容，查不到的请明说。
            """
        return GetPrompt.Result(description: "备课助手：\(course)", messages: [.user(.text(text: text))])
    }

    private func learningPrompt(_ arguments: [String: String], caller: Caller) async throws -> GetPrompt.Result {
        let user = caller.user
        let mastery = try await self.mastery.mastery(of: user)
        let offerings = try await self.progress.progress(user: user)
        let job = arguments["job"].flatMap { $0.isEmpty ? nil : $0 }
        let major = arguments["major"].flatMap { $0.isEmpty ? nil : $0 }
        let weakest = mastery.prefix(8).map { "- \($0.name)（\($0.point)）：掌握度 \(Int(($0.mastery * 100).rounded()))%，作答 \($0.answers) 次" }
        let text = """
            我是\(user.displayName)，请帮我规划接下来的学习。
            我在学的课程：\(offerings.isEmpty ? "（还没有选课）" : offerings.map { "\($0.title)（完成 \($0.completed)/\($0.total)）" }.joined(separator: "；"))
            我最弱的知识点：
            \(weakest.isEmpty ? "（还没有评过分的作答）" : weakest.joined(separator: "\n"))
            \(job.map { "我的目标岗位编号是 \($0)，请先用 job_path 查这个岗位要求的技能点和先修知识点。" } ?? "")
            \(major.map { "我的专业代码是 \($0)，可用 course_system 查看课程体系。" } ?? "")

            请按先修关系排出接下来要掌握的知识点（先弱后强），每个知识点用 search_resources 或 recommend_resources 找 1–2 个资源并给出链接，\
            说明为什么先学它。最后给出一周的学习安排。只使用资源库中查到的内容。
            """
        return GetPrompt.Result(description: "学习规划", messages: [.user(.text(text: text))])
    }
}
