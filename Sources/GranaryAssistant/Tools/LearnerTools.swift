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

    /// A practice question as the assistant shows it: no answer key.
    struct PracticeQuestion: Encodable {
        let question: String
        let position: Int
        let type: String
        let stem: String
        let options: [String]
        let blanks: Int?
        let score: Double
    }

    struct PracticeSet: Encodable {
        let attempt: String
        let link: String
        let focus: [PracticeStore.Focus]
        let questions: [PracticeQuestion]
        let answerFormat = "single：\"B\"；multiple：[\"A\",\"C\"]；judge：true/false；fill：每空一个字符串的数组"
    }

    struct Checked: Encodable {
        let question: String
        let correct: Bool?
        let score: Double?
        let maxScore: Double
        let rightAnswer: JSONValue?
        let analysis: String?
        let remaining: Int
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
            AssistantTool(
                name: "build_practice_set",
                title: "练一练",
                description: """
                    按当前账户在一门课程中最薄弱的知识点（掌握度最低的在前，未练过的按中等估计），由组卷器从已发布的客观题中组成一组练习                    并立即开始。返回题目（不含答案）和作答链接；每答一题可用 check_practice_answer 立即核对，掌握度随即更新。
                    """,
                properties: [
                    "course": Schema.string("课程编号"),
                    "count": Schema.integer("题数", minimum: 1, maximum: 20, default: 5),
                ],
                required: ["course"],
                roles: Self.learners,
                readOnly: false
            ) { arguments, caller in
                let (attempt, focus) = try await self.practice.start(
                    course: try arguments.required("course"),
                    count: try arguments.integer("count", in: PracticeStore.sizes, default: 5),
                    learner: caller.user
                )
                let questions = attempt.questions.map { item in
                    PracticeQuestion(
                        question: item.question,
                        position: item.position,
                        type: item.type.rawValue,
                        stem: QuestionText.title(item.stem),
                        options: item.options.map { "\($0.id). \(QuestionText.title($0.text))" },
                        blanks: item.blanks,
                        score: item.score
                    )
                }
                let link = caller.link("/attempts/\(attempt.id)")
                let lines = questions.map { question in
                    "\(question.position). [\(question.type)] \(question.stem)"
                        + (question.options.isEmpty ? "" : "\n   " + question.options.joined(separator: "　"))
                }
                return try ToolOutput(
                    "练一练已开始（\(questions.count) 题，针对最薄弱的 \(focus.count) 个知识点）：\(link)\n" + lines.joined(separator: "\n"),
                    PracticeSet(attempt: attempt.id, link: link, focus: focus, questions: questions)
                )
            },
            AssistantTool(
                name: "check_practice_answer",
                title: "核对练习答案",
                description: "核对练一练中一道题的答案：立即评分，返回对错、得分、正确答案和解析，掌握度随即更新；核对后这道题不能再改。",
                properties: [
                    "attempt": Schema.string("练一练的作答编号（build_practice_set 返回的 attempt）"),
                    "question": Schema.string("题目编号"),
                    "answer": .object(["description": "答案：single 为 \"B\"，multiple 为 [\"A\",\"C\"]，judge 为 true/false，fill 为每空一个字符串的数组"]),
                ],
                required: ["attempt", "question", "answer"],
                roles: Self.learners,
                readOnly: false
            ) { arguments, caller in
                guard let answer = try arguments.decoded("answer", as: JSONValue.self) else {
                    throw ToolArguments.invalid("answer", "必填", "required")
                }
                let question = try arguments.required("question")
                let attempt = try await self.attempts.check(
                    id: try arguments.required("attempt"),
                    question: question,
                    answer: answer,
                    user: caller.user
                )
                let result = attempt.items?.first { $0.question == question }
                let checked = Checked(
                    question: question,
                    correct: result?.correct,
                    score: result?.score,
                    maxScore: result?.maxScore ?? 0,
                    rightAnswer: result?.rightAnswer,
                    analysis: result?.analysis.map(QuestionText.title),
                    remaining: attempt.questions.count - (attempt.items?.count ?? 0)
                )
                return try ToolOutput(
                    (checked.correct == true ? "回答正确" : "回答错误") + "，得分 \(checked.score ?? 0)/\(checked.maxScore)。"
                        + (checked.analysis.map { "解析：\($0)" } ?? "") + "（还有 \(checked.remaining) 题未核对）",
                    checked
                )
            },
        ]
    }
}
