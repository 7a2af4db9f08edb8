import Foundation
import GRDB
import GranaryModel
import GranaryReview
import GranarySchema
import GranaryStore
import GranaryTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// A small course system with known answers:
///
/// 460110 teaches c1 {k1 → s1} and c2 {s2, after s1}; c3 has no points. 460305 teaches r1 {robot}.
/// j1 needs s1 and s2; j2 needs s2 and robot; j3 needs robot and is only in 460110's plan.
@Suite struct GraphTests {
    static let system = #"""
        {
          "majors": [{"code": "460110", "role": "core"}, {"code": "460305", "role": "served"}],
          "courses": [
            {"id": "c1", "name": "焊接方法与设备", "major": "460110", "category": "core"},
            {"id": "c2", "name": "焊接结构生产", "major": "460110", "category": "core"},
            {"id": "c3", "name": "机械制图", "major": "460110", "category": "foundation"},
            {"id": "r1", "name": "工业机器人编程", "major": "460305", "category": "core"}
          ],
          "knowledgePoints": [
            {"id": "k1", "name": "焊接电弧", "course": "c1", "kind": "knowledge"},
            {"id": "s1", "name": "熔化极气体保护焊", "course": "c1", "kind": "skill", "prerequisites": ["k1"]},
            {"id": "s2", "name": "装配与定位焊", "course": "c2", "kind": "skill", "prerequisites": ["s1"]},
            {"id": "robot", "name": "机器人示教编程", "course": "r1", "kind": "skill"}
          ],
          "jobs": [
            {"id": "j1", "name": "焊工", "occupationCode": "6-18-02-04", "skills": ["s1", "s2"]},
            {"id": "j2", "name": "焊接机器人操作员", "skills": ["s2", "robot"]},
            {"id": "j3", "name": "机器人系统操作员", "occupationCode": "6-31-07-03", "skills": ["robot"]}
          ]
        }
        """#

    /// The system above, one published resource on k1 and one approved question on s1.
    static func library() async throws -> TestLibrary {
        let lib = try await TestLibrary()
        let admin = try await lib.addUser("admin", .admin)
        try await lib.addUser("teacher", .teacher)
        try await lib.addUser("reviewer", .reviewer)
        try await lib.addUser("learner", .learner)
        let document = try JSONDecoder().decode(CatalogueDocument.self, from: Data(Self.system.utf8))
        let report = try await lib.library.catalogue.importDocument(document, actor: "admin", english: false)
        #expect(report.rejected == [])
        _ = try await lib.library.catalogue.savePlan(
            MajorPlan(major: "460110", goals: "培养焊接技术技能人才", jobs: ["j3"], courses: [], practice: [], graduation: []),
            actor: "admin"
        )
        let question = try await QuestionStore(database: lib.library.database).create(
            .init(
                course: "c1",
                knowledgePoints: ["s1"],
                type: .practical,
                difficulty: 3,
                stem: "用熔化极气体保护焊完成一条 T 形角焊缝。",
                answer: .string("焊脚尺寸符合要求，无气孔。"),
                rubric: [.init(criterion: "焊脚尺寸", points: 5), .init(criterion: "表面质量", points: 5)],
                score: 10
            ),
            author: admin
        )
        try await lib.library.database.write { db in try ReviewedItems.questions.publishCurrentVersion(db, id: question.id) }
        return lib
    }

    @Test func theMajorsGraphHoldsItsCoursesPointsJobsAndTheSkillsTheyNeedFromElsewhere() async throws {
        let lib = try await Self.library()
        try await lib.test { client in
            let teacher = try await client.logIn("teacher")
            let metadata = #"{"title":"焊接电弧的物理本质","major":"460110","course":"c1","knowledgePoints":["k1"],"original":true}"#
            let resource = try await client.upload(try fixture("arc-notes.txt"), metadata: metadata, token: teacher).decode(Resource.self)
            try await lib.publish(resource.id)

            let graph = try await client.call(.get, "/api/v1/graph/majors/460110").decode(CourseSystemGraph.self)
            // Jobs come last, in name order (机… before 焊…).
            #expect(
                graph.nodes.map(\.id) == [
                    "major:460110", "course:c1", "course:c2", "course:c3", "point:k1", "point:s1", "point:s2", "point:robot",
                    "job:j3", "job:j1", "job:j2",
                ]
            )
            let byId = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0) })
            #expect(byId["point:k1"]?.resources == 1)
            #expect(byId["point:k1"]?.questions == 0)
            #expect(byId["point:s1"]?.questions == 1)
            #expect(byId["point:s1"]?.resources == 0)
            #expect(byId["point:robot"]?.external == true)
            #expect(byId["point:robot"]?.course == "r1")
            #expect(byId["course:c3"]?.category == .foundation)
            #expect(byId["job:j1"]?.occupationCode == "6-18-02-04")
            let edges = Set(graph.edges.map { "\($0.from) \($0.relation.rawValue) \($0.to)" })
            #expect(
                edges == [
                    "major:460110 has_course course:c1", "major:460110 has_course course:c2", "major:460110 has_course course:c3",
                    "course:c1 teaches point:k1", "course:c1 teaches point:s1", "course:c2 teaches point:s2",
                    "point:k1 prerequisite_of point:s1", "point:s1 prerequisite_of point:s2",
                    "point:s1 required_by job:j1", "point:s2 required_by job:j1", "point:s2 required_by job:j2",
                    "point:robot required_by job:j2", "point:robot required_by job:j3", "major:460110 targets job:j3",
                ]
            )

            let served = try await client.call(.get, "/api/v1/graph/majors/460305").decode(CourseSystemGraph.self)
            #expect(Set(served.nodes.map(\.id)) == ["major:460305", "course:r1", "point:robot", "job:j2", "job:j3", "point:s2"])

            let missing = try await client.call(.get, "/api/v1/graph/majors/460101")
            #expect(try missing.problem().code == "not_found")
            let badFormat = try await client.call(.get, "/api/v1/graph/majors/460110?format=png")
            #expect(try badFormat.problem().code == "invalid_query")
        }
    }

    @Test func theDrawnMapHasEveryNodeAndIsServedAsAnInertImage() async throws {
        let lib = try await Self.library()
        try await lib.test { client in
            let response = try await client.call(.get, "/api/v1/graph/majors/460110?format=svg")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/svg+xml; charset=utf-8")
            #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let svg = response.body.string
            #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
            for id in [
                "major:460110", "course:c1", "course:c2", "course:c3", "point:k1", "point:s1", "point:s2", "point:robot", "job:j1", "job:j2",
                "job:j3",
            ] {
                #expect(svg.components(separatedBy: "data-id=\"\(id)\"").count == 2, "\(id) drawn once")
            }
            #expect(svg.contains("智能焊接技术"))
            #expect(svg.contains("机器人示教编程"))
        }
    }

    @Test func gapsListWhatTheMajorStillLacks() async throws {
        let lib = try await Self.library()
        try await lib.test { client in
            let reviewer = try await client.logIn("reviewer")
            let gaps = try await client.call(.get, "/api/v1/graph/gaps?major=460110", token: reviewer).decode(CourseSystemGaps.self)
            #expect(gaps.pointsWithoutResources.map(\.id) == ["k1", "s1", "s2"])
            #expect(gaps.pointsWithoutQuestions.map(\.id) == ["k1", "s2"])
            #expect(gaps.pointsWithoutQuestions.first?.courseName == "焊接方法与设备")
            #expect(gaps.untaughtSkills.map { "\($0.job)/\($0.skill)/\($0.major ?? "")" }.sorted() == ["j2/robot/460305", "j3/robot/460305"])
            #expect(gaps.coursesWithoutPoints.map(\.id) == ["c3"])

            // A point added to c3, by the service or by a command beside it, shows at the next request.
            let teacher = try await client.logIn("teacher")
            let added = try await client.call(
                .post,
                "/api/v1/knowledge-points",
                token: teacher,
                json: #"{"id":"views","name":"三视图","course":"c3","kind":"knowledge"}"#
            )
            #expect(added.status == .created)
            let beside = try Library(
                dataDirectory: lib.directory,
                metadataDirectory: TestLibrary.metadataDirectory,
                options: .init(bcryptCost: 4, database: try await TestDatabase.defaultDatabase(forLibraryIn: lib.directory, schemas: .all)),
                schemas: .all
            )
            _ = try await beside.catalogue.createPoint(id: "robot-arc", name: "机器人焊接", course: "c2", kind: .skill, prerequisites: [], actor: "cli")
            _ = try await beside.catalogue.updateJob(id: "j3", name: nil, occupationCode: nil, skills: ["robot", "robot-arc"], actor: "cli")
            let after = try await client.call(.get, "/api/v1/graph/gaps?major=460110", token: teacher).decode(CourseSystemGaps.self)
            #expect(after.coursesWithoutPoints == [])
            #expect(after.pointsWithoutResources.map(\.id).contains("views"))
            #expect(after.untaughtSkills.map { "\($0.job)/\($0.skill)" }.sorted() == ["j2/robot", "j3/robot"])
            let jobs = try await client.call(.get, "/api/v1/graph/courses/c2/jobs").decode([Job].self)
            #expect(Set(jobs.map(\.id)) == ["j1", "j2", "j3"])
        }
    }

    @Test func theMonitoringReportCountsTheSamePointsTheGapsList() async throws {
        let lib = try await Self.library()
        try await lib.test { client in
            let admin = try await client.logIn("admin")
            var withoutResources: Set<String> = []
            var withoutQuestions: Set<String> = []
            for major in ["460110", "460305"] {
                let gaps = try await client.call(.get, "/api/v1/graph/gaps?major=\(major)", token: admin).decode(CourseSystemGaps.self)
                withoutResources.formUnion(gaps.pointsWithoutResources.map(\.id))
                withoutQuestions.formUnion(gaps.pointsWithoutQuestions.map(\.id))
            }
            let report = try await client.call(.get, "/api/v1/report", token: admin).decode(MonitoringReport.self)
            let resourceRule = try #require(report.rules.first { $0.id == "point_resource_coverage" })
            #expect(Set(resourceRule.items.map(\.id)) == withoutResources)
            // The bank rule covers core courses only: c1, c2 and r1 here, not the foundation course c3 (which has no points).
            let bankRule = try #require(report.rules.first { $0.id == "question_bank_coverage" })
            #expect(Set(bankRule.items.filter { $0.type == "point" }.map(\.id)) == withoutQuestions)
        }
    }

    @Test func gapsAndPathsFollowTheRoleRules() async throws {
        let lib = try await Self.library()
        try await lib.test { client in
            #expect(try await client.call(.get, "/api/v1/graph/gaps?major=460110").problem().code == "unauthorized")
            #expect(try await client.call(.get, "/api/v1/graph/jobs/j1/path").problem().code == "unauthorized")
            let learner = try await client.logIn("learner")
            #expect(try await client.call(.get, "/api/v1/graph/gaps?major=460110", token: learner).problem().code == "forbidden")
            let teacher = try await client.logIn("teacher")
            #expect(try await client.call(.get, "/api/v1/graph/gaps", token: teacher).problem().code == "invalid_query")
            #expect(try await client.call(.get, "/api/v1/graph/gaps?major=460101", token: teacher).problem().code == "not_found")
            #expect(try await client.call(.get, "/api/v1/graph/jobs/nobody/path", token: learner).problem().code == "not_found")
            #expect(try await client.call(.get, "/api/v1/graph/courses/nowhere/jobs").problem().code == "not_found")
        }
    }

    @Test func aJobsPathLeadsThroughItsSkillsToCoursesAndPublishedResources() async throws {
        let lib = try await Self.library()
        try await lib.test { client in
            let teacher = try await client.logIn("teacher")
            let metadata = #"{"title":"装配与定位焊要点","major":"460110","course":"c2","knowledgePoints":["s2"],"original":true}"#
            let published = try await client.upload(try fixture("arc-notes.txt"), metadata: metadata, token: teacher).decode(Resource.self)
            try await lib.publish(published.id)
            let draft = #"{"title":"未发布的草稿","major":"460110","course":"c2","knowledgePoints":["s2"],"original":true}"#
            _ = try await client.upload(try fixture("weld-bead.png"), metadata: draft, token: teacher)

            let learner = try await client.logIn("learner")
            let path = try await client.call(.get, "/api/v1/graph/jobs/j2/path", token: learner).decode(JobPath.self)
            #expect(path.job.name == "焊接机器人操作员")
            #expect(Set(path.skills.map(\.id)) == ["s2", "robot"])
            let assembly = try #require(path.skills.first { $0.id == "s2" })
            #expect(assembly.course?.id == "c2")
            #expect(assembly.course?.major == "460110")
            #expect(assembly.prerequisites.map(\.id) == ["s1"])
            #expect(assembly.resources.map(\.id) == [published.id])
            #expect(assembly.resourceCount == 1)
            #expect(path.skills.first { $0.id == "robot" }?.course?.major == "460305")

            let reachable = try await client.call(.get, "/api/v1/graph/courses/c1/jobs").decode([Job].self)
            #expect(Set(reachable.map(\.id)) == ["j1", "j2"])
            #expect(try await client.call(.get, "/api/v1/graph/courses/c3/jobs").decode([Job].self) == [])
        }
    }
}
