import Foundation
import GranaryAssessment
import GranaryGraph
import GranaryLearning
import GranaryModel
import MCP

/// A learner's own standing: progress in the offerings they chose and mastery of each point their answers assessed.
extension Assistant {
    static let learners: Set<Role> = [.learner, .teacher]

    struct Standing: Encodable {
        let offerings: [OfferingProgress]
        let masteryModel = "elo"
        let masteredAt = MasteryModel.masteredAt
        let mastery: [MasteryStore.PointMastery]
        let link: String
    }

    var learnerTools: [AssistantTool] {
        [
            AssistantTool(
                name: "my_progress",
                title: "我的学习进度与掌握度",
                description: """
                    当前账户的学习情况：所选课程（组课）的完成进度，以及作答过的每个知识点的掌握度（0–1，由全部已评分的作答按\
                    Elo 模型估计，最弱的在前；≥0.8 且作答 ≥3 次为已掌握）。可用 course 只看一门课程的知识点。
                    """,
                properties: ["course": Schema.string("课程编号（可选）")],
                roles: Self.learners
            ) { arguments, caller in
                let user = caller.user
                let offerings = try await self.progress.progress(user: user)
                let mastery = try await self.mastery.mastery(of: user, course: try arguments.string("course"))
                let courses = offerings.map { "· \($0.title)：完成 \($0.completed)/\($0.total)" }
                let points = mastery.prefix(10).map { "· \($0.name)：\(Int(($0.mastery * 100).rounded()))%（\($0.answers) 次作答）" }
                return try ToolOutput(
                    "所选课程 \(offerings.count) 门" + (courses.isEmpty ? "。" : "：\n" + courses.joined(separator: "\n"))
                        + "\n已作答的知识点 \(mastery.count) 个" + (points.isEmpty ? "。" : "，最弱的：\n" + points.joined(separator: "\n")),
                    Standing(offerings: offerings, mastery: mastery, link: caller.link("/me"))
                )
            },
            AssistantTool(
                name: "learning_path",
                title: "学习路径",
                description: """
                    到一个目标岗位的学习路径：岗位要求的技能点及其全部先修知识点，按先修顺序排列；每一步附教它的课程、最新的已发布资源、                    可练习的题目数和当前账户的掌握度，并指出下一步（先修都已掌握、自己尚未掌握的第一个）。岗位编号如 welder。
                    """,
                properties: ["job": Schema.string("目标岗位编号，如 welder")],
                required: ["job"],
                roles: Self.learners
            ) { arguments, caller in
                let path = try await self.mastery.standing(on: try await self.graph.learningPath(job: try arguments.required("job")), of: caller.user)
                let levels = ["mastered": "已掌握", "learning": "学习中", "weak": "薄弱", "new": "未学"]
                let lines = path.steps.enumerated().map { number, step in
                    "\(number + 1). [\(levels[step.level] ?? step.level)] \(step.name)" + (step.course.map { "（\($0.name)）" } ?? "")
                        + "：资源 \(step.resourceCount) 个，题目 \(step.questionCount) 道" + (step.id == path.next ? " ← 下一步" : "")
                }
                return try ToolOutput(
                    "到岗位“\(path.job.name)”的学习路径共 \(path.steps.count) 步，已掌握 \(path.mastered) 步：\n" + lines.joined(separator: "\n"),
                    path
                )
            },
        ]
    }
}
