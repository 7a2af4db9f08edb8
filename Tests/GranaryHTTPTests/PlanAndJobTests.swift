import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct PlanAndJobTests {
    static let plan = #"""
        {
          "goals": "培养掌握焊接工艺与质量检验的高素质技术技能人才",
          "jobs": ["welder"],
          "courses": [{"course": "weld", "hours": 96, "semester": 2, "credits": 6}, {"course": "check", "hours": 64, "semester": 3}],
          "practice": [{"name": "焊接技能综合实训", "semester": 4, "weeks": 4, "hours": 112}],
          "graduation": ["修满 140 学分", "取得焊工职业技能等级证书"]
        }
        """#

    @Test func aPlanIsSavedWhole() async throws {
        let lib = try await TestLibrary.seeded([("teacher", .teacher)])
        _ = try await lib.library.catalogue.createJob(id: "welder", name: "焊工", occupationCode: "6-18-02-04", skills: ["gmaw"], actor: "test")
        try await lib.test { client in
            #expect(try await client.call(.get, "/api/v1/majors/460110/plan").problem().code == "not_found")
            let token = try await client.logIn("teacher")
            let saved = try await client.call(.put, "/api/v1/majors/460110/plan", token: token, json: Self.plan)
            #expect(saved.status == .ok)
            let plan = try saved.decode(MajorPlan.self)
            #expect(plan.totalHours == 96 + 64 + 112)
            #expect(plan.updatedBy == "teacher")
            let fetched = try await client.call(.get, "/api/v1/majors/460110/plan").decode(MajorPlan.self)
            #expect(fetched == plan)
            #expect(fetched.courses.map(\.course) == ["weld", "check"])
            #expect(fetched.practice.first?.weeks == 4)

            // The graph draws the plan's jobs as targets of the major.
            let graph = try await client.call(.get, "/api/v1/graph/majors/460110").decode(CourseSystemGraph.self)
            #expect(graph.edges.contains(.init(from: "major:460110", to: "job:welder", relation: .targets)))
        }
    }

    @Test func aPlanCannotNameACourseTheMajorDoesNotHave() async throws {
        let lib = try await TestLibrary.seeded([("teacher", .teacher), ("learner", .learner)])
        _ = try await lib.library.catalogue.createMajor(code: "460305", name: nil, level: nil, role: .served, actor: "test")
        _ = try await lib.library.catalogue.createCourse(
            id: "robot",
            name: "工业机器人编程",
            major: "460305",
            category: .core,
            hours: nil,
            standard: nil,
            actor: "test"
        )
        try await lib.test { client in
            let token = try await client.logIn("teacher")
            let foreign = Self.plan.replacingOccurrences(of: #""course": "check""#, with: #""course": "robot""#)
            let problem = try await client.call(.put, "/api/v1/majors/460110/plan", token: token, json: foreign).problem()
            #expect(problem.code == "unknown_course")
            #expect(problem.errors.map(\.field) == ["courses[1].course", "jobs[0]"])

            let invented =
                #"{"goals":"x","courses":[{"course":"nope","hours":10,"semester":1},{"course":"weld","hours":-1,"semester":9},{"course":"weld","hours":1,"semester":1}]}"#
            let fields = try await client.call(.put, "/api/v1/majors/460110/plan", token: token, json: invented).problem().errors.map(\.field)
            #expect(fields == ["courses[0].course", "courses[1].hours", "courses[1].semester", "courses[2].course"])

            let ghostJob = try await client.call(
                .put,
                "/api/v1/majors/460110/plan",
                token: token,
                json: #"{"goals":"x","courses":[],"jobs":["ghost"]}"#
            )
            let ghostProblem = try ghostJob.problem()
            #expect(ghostJob.status == .unprocessableContent)
            #expect(ghostProblem.code == "unknown_job")
            #expect(ghostProblem.errors.map(\.field) == ["jobs[0]"])

            let empty = #"{"goals":" ","courses":[],"graduation":[""]}"#
            let emptyProblem = try await client.call(.put, "/api/v1/majors/460110/plan", token: token, json: empty).problem()
            #expect(emptyProblem.code == "validation_failed")
            #expect(emptyProblem.errors.map(\.field) == ["goals", "graduation[0]"])

            let missingGoals = try await client.call(.put, "/api/v1/majors/460110/plan", token: token, json: #"{"courses":[]}"#).problem()
            #expect(missingGoals.errors.map(\.field) == ["goals"])

            #expect(try await client.call(.put, "/api/v1/majors/460101/plan", token: token, json: #"{"goals":"x","courses":[]}"#).status == .notFound)
            let learner = try await client.logIn("learner")
            #expect(try await client.call(.put, "/api/v1/majors/460110/plan", token: learner, json: Self.plan).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/majors/460110/plan").status == .notFound)
        }
    }

    @Test func aJobNeedsAClassifiedOccupationAndSkillPoints() async throws {
        let lib = try await TestLibrary.seeded([("teacher", .teacher), ("learner", .learner)])
        try await lib.test { client in
            let token = try await client.logIn("teacher")
            // An OCR-style code (full-width dashes, a letter O) is read as the occupation it means.
            let created = try await client.call(
                .post,
                "/api/v1/jobs",
                token: token,
                json: #"{"id":"welder","name":"焊工","occupationCode":"6－18－02－O4","skills":["gmaw","gmaw"]}"#
            )
            #expect(created.status == .created)
            let job = try created.decode(Job.self)
            #expect(job.occupationCode == "6-18-02-04")
            #expect(job.skills == ["gmaw"])

            let unknownCode = try await client.call(.post, "/api/v1/jobs", token: token, json: #"{"name":"检验员","occupationCode":"6-99-99-98"}"#)
            #expect(unknownCode.status == .unprocessableContent)
            #expect(try unknownCode.problem().code == "unknown_occupation")
            let knowledge = try await client.call(.post, "/api/v1/jobs", token: token, json: #"{"name":"检验员","skills":["ut","arc"]}"#)
            let problem = try knowledge.problem()
            #expect(problem.code == "validation_failed")
            #expect(problem.errors.map(\.field) == ["skills[1]"])
            let ghost = try await client.call(.post, "/api/v1/jobs", token: token, json: #"{"name":"检验员","skills":["ghost"]}"#)
            #expect(try ghost.problem().code == "unknown_knowledge_point")
            let twin = try await client.call(.post, "/api/v1/jobs", token: token, json: #"{"name":"焊工"}"#)
            #expect(twin.status == .conflict)

            let patched = try await client.call(.patch, "/api/v1/jobs/welder", token: token, json: #"{"skills":["gmaw","ut"]}"#)
            #expect(try patched.decode(Job.self).skills == ["gmaw", "ut"])
            #expect(try await client.call(.patch, "/api/v1/jobs/nobody", token: token, json: "{}").status == .notFound)
            let found = try await client.call(.get, "/api/v1/jobs?skill=ut").decode(PageOf<Job>.self)
            #expect(found.items.map(\.id) == ["welder"])
            #expect(try await client.call(.get, "/api/v1/jobs?q=检验").decode(PageOf<Job>.self).total == 0)

            let learner = try await client.logIn("learner")
            #expect(try await client.call(.post, "/api/v1/jobs", token: learner, json: #"{"name":"学徒"}"#).status == .forbidden)
        }
    }

    @Test func theNationalOccupationClassificationIsSearchable() async throws {
        let lib = try await TestLibrary()
        try await lib.test { client in
            let welding = try await client.call(.get, "/api/v1/catalogue/occupations?q=%E7%84%8A%E5%B7%A5&level=4").decode(PageOf<Occupation>.self)
            #expect(welding.items.map(\.code).contains("6-18-02-04"))
            #expect(welding.items.allSatisfy { $0.level == 4 })
            let group = try await client.call(.get, "/api/v1/catalogue/occupations?q=6-18-02").decode(PageOf<Occupation>.self)
            #expect(group.items.first?.code == "6-18-02")
            #expect(group.items.dropFirst().allSatisfy { $0.parent == "6-18-02" })
            let bad = try await client.call(.get, "/api/v1/catalogue/occupations?level=5")
            #expect(try bad.problem().code == "invalid_query")
        }
    }
}
