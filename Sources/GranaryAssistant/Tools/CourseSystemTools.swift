import Foundation
import GranaryGraph
import GranaryModel
import MCP

/// The course system (课程体系) as the knowledge graph holds it: a major's courses, points and jobs, and the path to
/// a job.
extension Assistant {
    var courseSystemTools: [AssistantTool] {
        [
            AssistantTool(
                name: "course_system",
                title: "专业课程体系",
                description: "查询一个专业的课程体系：课程（核心、基础、拓展）、每门课的知识点和技能点、先修关系，以及专业面向的岗位，并附各知识点已发布的资源数和题目数。",
                properties: ["major": Schema.string("专业代码，如 460110")],
                required: ["major"],
                roles: Self.everyone
            ) { arguments, caller in
                let code = try arguments.required("major")
                let system = try await self.graph.courseSystem(major: code)
                let count = { (type: CourseSystemGraph.NodeType) in system.nodes.filter { $0.type == type }.count }
                let courses = system.nodes.filter { $0.type == .course }.map(\.name)
                return try ToolOutput(
                    "\(code) \(system.nodes.first?.name ?? "")：\(count(.course)) 门课程、\(count(.point)) 个知识/技能点、面向 \(count(.job)) 个岗位。"
                        + "课程：\(courses.joined(separator: "、"))。图谱：\(caller.link("/api/v1/graph/majors/\(code)?format=svg"))",
                    system
                )
            },
            AssistantTool(
                name: "job_path",
                title: "岗位学习路径",
                description: "查询一个岗位要求的技能点、教授每个技能点的课程、其先修知识点和已发布的资源。岗位编号见 course_system 结果中 type 为 job 的节点的 key（如 welder）。",
                properties: ["job": Schema.string("岗位编号，如 welder")],
                required: ["job"],
                roles: Self.everyone
            ) { arguments, caller in
                let path = try await self.graph.path(job: try arguments.required("job"))
                let lines = path.skills.map { skill in
                    "· \(skill.name)" + (skill.course.map { "（课程：\($0.name)）" } ?? "")
                        + (skill.prerequisites.isEmpty ? "" : "，先学：\(skill.prerequisites.map(\.name).joined(separator: "、"))")
                        + "，资源 \(skill.resourceCount) 个"
                }
                return try ToolOutput("岗位“\(path.job.name)”要求 \(path.skills.count) 个技能点：\n" + lines.joined(separator: "\n"), path)
            },
        ]
    }
}
