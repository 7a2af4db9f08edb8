import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct CatalogueImportTests {
    /// Two majors, three courses, five points (one naming a prerequisite further down) and two jobs.
    static let system = #"""
        {
          "majors": [{"code": "460110", "role": "core"}, {"code": "460305", "role": "served"}],
          "courses": [
            {"id": "weld", "name": "焊接方法与设备", "major": "460110", "category": "core", "hours": 96},
            {"id": "check", "name": "焊接质量检验", "major": "460110", "category": "core"},
            {"id": "robot", "name": "工业机器人编程", "major": "460305", "category": "core"}
          ],
          "knowledgePoints": [
            {"id": "gmaw", "name": "熔化极气体保护焊", "course": "weld", "kind": "skill", "prerequisites": ["arc"]},
            {"id": "arc", "name": "焊接电弧", "course": "weld", "kind": "knowledge"},
            {"id": "ut", "name": "超声检测", "course": "check", "kind": "skill", "prerequisites": ["arc"]},
            {"id": "defects", "name": "焊接缺陷识别", "course": "check", "kind": "knowledge", "prerequisites": ["ut"]},
            {"id": "teach", "name": "机器人示教编程", "course": "robot", "kind": "skill"}
          ],
          "jobs": [
            {"id": "welder", "name": "焊工", "occupationCode": "6-18-02-04", "skills": ["gmaw"]},
            {"id": "robot-operator", "name": "焊接机器人操作员", "skills": ["gmaw", "teach"]}
          ]
        }
        """#

    @Test func importingTheSameDocumentTwiceChangesNothingTheSecondTime() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("admin", .admin)
        try await lib.test { client in
            let token = try await client.logIn("admin")
            let first = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: Self.system)
            #expect(first.status == .ok)
            let report = try first.decode(CatalogueImportReport.self)
            #expect(report.rejected == [])
            #expect(report.created.count == 12)
            #expect(report.created.filter { $0.type == "knowledgePoint" }.map(\.id) == ["gmaw", "arc", "ut", "defects", "teach"])
            #expect(report.updated == [])

            let eventsAfterFirst = try await lib.count("events")
            let second = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: Self.system)
            let again = try second.decode(CatalogueImportReport.self)
            #expect(again.created == [])
            #expect(again.updated == [])
            #expect(again.unchanged == 12)
            #expect(again.rejected == [])
            // Only the import's own summary event is new.
            #expect(try await lib.count("events") == eventsAfterFirst + 1)

            let point = try await client.call(.get, "/api/v1/knowledge-points/gmaw").decode(KnowledgePoint.self)
            #expect(point.prerequisites == ["arc"])
            let job = try await client.call(.get, "/api/v1/jobs/robot-operator").decode(Job.self)
            #expect(job.skills == ["gmaw", "teach"])

            let changed = Self.system.replacingOccurrences(of: #""name": "焊接质量检验""#, with: #""name": "焊接检验与质量管理""#)
                .replacingOccurrences(of: #""skills": ["gmaw", "teach"]"#, with: #""skills": ["teach"]"#)
            let third = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: changed).decode(CatalogueImportReport.self)
            #expect(Set(third.updated.map(\.id)) == ["check", "robot-operator"])
            #expect(third.unchanged == 10)
            #expect(try await client.call(.get, "/api/v1/courses/check").decode(Course.self).name == "焊接检验与质量管理")
            #expect(try await client.call(.get, "/api/v1/jobs/robot-operator").decode(Job.self).skills == ["teach"])
        }
    }

    @Test func eachRefusedItemIsNamedWithItsReasonAndTheRestIsApplied() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("admin", .admin)
        let document = #"""
            {
              "majors": [{"code": "460110", "role": "core"}, {"code": "999999", "role": "served"}, {"code": "460305"}],
              "courses": [
                {"id": "weld", "name": "焊接方法与设备", "major": "460110", "category": "core"},
                {"id": "ghost", "name": "虚构课程", "major": "999999", "category": "core"},
                {"id": "weld2", "name": "焊接方法与设备", "major": "460110", "category": "core"},
                {"id": "weld", "name": "重复编号", "major": "460110", "category": "core"},
                {"name": "没有编号", "major": "460110", "category": "core"},
                {"id": "odd", "name": "选修", "major": "460110", "category": "elective"}
              ],
              "knowledgePoints": [
                {"id": "a", "name": "甲", "course": "weld", "kind": "knowledge", "prerequisites": ["c"]},
                {"id": "b", "name": "乙", "course": "weld", "kind": "knowledge", "prerequisites": ["a"]},
                {"id": "c", "name": "丙", "course": "weld", "kind": "knowledge", "prerequisites": ["b"]},
                {"id": "d", "name": "丁", "course": "weld", "kind": "skill", "prerequisites": ["a"]},
                {"id": "e", "name": "戊", "course": "weld", "kind": "skill", "prerequisites": ["nowhere"]},
                {"id": "f", "name": "己", "course": "weld", "kind": "skill"},
                {"id": "g", "name": "己", "course": "weld", "kind": "knowledge"},
                {"id": "h", "name": "庚", "course": "ghost", "kind": "knowledge"}
              ],
              "jobs": [
                {"id": "j1", "name": "焊工", "occupationCode": "6-18-02-04", "skills": ["f"]},
                {"id": "j2", "name": "检验员", "occupationCode": "9-99-99-99", "skills": ["f"]},
                {"id": "j3", "name": "操作员", "skills": ["a"]},
                {"id": "j4", "name": "焊工", "skills": ["f"]}
              ]
            }
            """#
        try await lib.test { client in
            let token = try await client.logIn("admin")
            let report = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: document).decode(CatalogueImportReport.self)
            let refused = Dictionary(report.rejected.map { ("\($0.item.type)[\($0.item.index)]", $0.code) }, uniquingKeysWith: { first, _ in first })
            #expect(
                refused == [
                    "major[1]": "unknown_major",
                    "major[2]": "validation_failed",
                    "course[1]": "unknown_major",
                    "course[2]": "conflict",
                    "course[3]": "conflict",
                    "course[4]": "validation_failed",
                    "course[5]": "validation_failed",
                    "knowledgePoint[0]": "prerequisite_cycle",
                    "knowledgePoint[1]": "prerequisite_cycle",
                    "knowledgePoint[2]": "prerequisite_cycle",
                    "knowledgePoint[3]": "unknown_knowledge_point",
                    "knowledgePoint[4]": "unknown_knowledge_point",
                    "knowledgePoint[6]": "conflict",
                    "knowledgePoint[7]": "unknown_course",
                    "job[1]": "unknown_occupation",
                    "job[2]": "unknown_knowledge_point",
                    "job[3]": "conflict",
                ]
            )
            let cycle = try #require(report.rejected.first { $0.item.id == "a" })
            #expect(cycle.reason.contains("循环"))
            #expect(Set(report.created.map { "\($0.type):\($0.id ?? "")" }) == ["major:460110", "course:weld", "knowledgePoint:f", "job:j1"])

            for path in ["courses/ghost", "courses/weld2", "knowledge-points/a", "knowledge-points/d", "knowledge-points/g", "jobs/j2"] {
                #expect(try await client.call(.get, "/api/v1/\(path)").status == .notFound, "\(path) should not exist")
            }
            let english = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: document, headers: [.acceptLanguage: "en"])
            #expect(try english.decode(CatalogueImportReport.self).rejected.contains { $0.reason.contains("cycle") })
        }
    }

    @Test func aCycleThroughStoredPointsIsRefusedAndTheOldLinksStay() async throws {
        let lib = try await TestLibrary.seeded([("admin", .admin)])
        try await lib.test { client in
            let token = try await client.logIn("admin")
            // gmaw already needs arc; making arc need gmaw would close a loop.
            let document = #"{"knowledgePoints":[{"id":"arc","name":"焊接电弧","course":"weld","kind":"knowledge","prerequisites":["gmaw"]}]}"#
            let report = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: document).decode(CatalogueImportReport.self)
            #expect(report.rejected.map(\.code) == ["prerequisite_cycle"])
            #expect(report.rejected.first?.reason.contains("arc") == true)
            #expect(try await client.call(.get, "/api/v1/knowledge-points/arc").decode(KnowledgePoint.self).prerequisites == [])

            let moved = #"{"knowledgePoints":[{"id":"arc","name":"焊接电弧","course":"check","kind":"knowledge"}]}"#
            let refused = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: moved).decode(CatalogueImportReport.self)
            #expect(refused.rejected.map(\.code) == ["conflict"])
        }
    }

    @Test func onlyTeachersAndAdminsImportAndTheDocumentMustBeJSON() async throws {
        let lib = try await TestLibrary()
        try await lib.addUser("learner", .learner)
        try await lib.addUser("reviewer", .reviewer)
        try await lib.addUser("admin", .admin)
        try await lib.test { client in
            #expect(try await client.call(.post, "/api/v1/catalogue/import", json: Self.system).status == .unauthorized)
            for user in ["learner", "reviewer"] {
                let token = try await client.logIn(user)
                let response = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: Self.system)
                #expect(try response.problem().code == "forbidden")
            }
            let token = try await client.logIn("admin")
            let broken = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: #"{"majors": ["#)
            #expect(try broken.problem().code == "invalid_document")
            let mistyped = try await client.call(.post, "/api/v1/catalogue/import", token: token, json: #"{"majors": 5}"#)
            #expect(mistyped.status == .unprocessableContent)
            #expect(try mistyped.problem().errors.map(\.field) == ["majors"])
            #expect(try await lib.count("majors") == 0)
        }
    }
}
