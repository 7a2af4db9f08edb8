import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct SearchTests {
    struct Found: Decodable {
        struct Item: Decodable {
            let id: String
            let title: String
            let snippet: String
            let status: ReviewStatus
        }

        struct Facets: Decodable {
            let kind: [String: Int]
            let course: [String: Int]
            let major: [String: Int]
            let original: [String: Int]
        }

        let total: Int
        let items: [Item]
        let facets: Facets
    }

    private func approve(_ client: any TestClientProtocol, _ id: String, reviewer: String) async throws {
        let response = try await client.call(
            .post,
            "/api/v1/reviews/resource/\(id)/decision",
            token: reviewer,
            json: #"{"decision":"approve","checks":{"political":true,"scientific":true,"applicability":true,"normativity":true}}"#
        )
        #expect(response.status == .created)
    }

    @Test func theIndexFollowsEveryChangeAtOnce() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let reviewer = try await client.logIn("wang")
            let learner = try await client.logIn("learner")
            func search(_ query: String, token: String) async throws -> Found {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                return try await client.call(.get, "/api/v1/search?q=\(encoded)", token: token).decode(Found.self)
            }
            let metadata =
                #"{"title":"熔化极气体保护焊操作要领","description":"调整焊接电流与电压的匹配","major":"460110","course":"weld","knowledgePoints":["gmaw"],"original":true}"#
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: metadata, token: teacher).decode(Resource.self)
            #expect(try await search("保护焊", token: learner).total == 0)
            #expect(
                try await client.call(
                    .get,
                    "/api/v1/search?q=保护焊&status=draft".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!,
                    token: teacher
                ).decode(Found.self).total == 1
            )

            _ = try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher)
            try await self.approve(client, resource.id, reviewer: reviewer)
            let found = try await search("保护焊", token: learner)
            #expect(found.items.map(\.id) == [resource.id])
            #expect(found.items[0].status == .approved)
            #expect(try await search("baohuhan", token: learner).total == 1)
            #expect(try await search("焊接电流", token: learner).items.first?.snippet.contains("<mark>焊接电流</mark>") == true)

            // A new title waits for review; learners keep finding the approved one.
            _ = try await client.call(.patch, "/api/v1/resources/\(resource.id)", token: teacher, json: #"{"title":"钨极氩弧焊操作要领"}"#)
            #expect(try await search("熔化极气体保护焊操作", token: learner).total == 1)
            #expect(try await search("氩弧焊", token: learner).total == 0)
            try await self.approve(client, resource.id, reviewer: reviewer)
            #expect(try await search("氩弧焊", token: learner).total == 1)
            #expect(try await search("熔化极气体保护焊操作", token: learner).total == 0)

            _ = try await client.call(.delete, "/api/v1/resources/\(resource.id)", token: teacher)
            #expect(try await search("氩弧焊", token: learner).total == 0)
        }
    }

    /// `granary import catalogue` run beside the service is another connection to the same file: the service learns
    /// of its commits only from the change feed, which it polls.
    @Test func aPointRenamedByAnotherProcessIsSearchableAndMappedWithinTwoSeconds() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let reviewer = try await client.logIn("wang")
            let learner = try await client.logIn("learner")
            func total(_ query: String) async throws -> Int {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                return try await client.call(.get, "/api/v1/search?q=\(encoded)", token: learner).decode(Found.self).total
            }
            let metadata = #"{"title":"焊接操作要领","major":"460110","course":"weld","knowledgePoints":["gmaw"],"original":true}"#
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: metadata, token: teacher).decode(Resource.self)
            _ = try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher)
            try await self.approve(client, resource.id, reviewer: reviewer)
            #expect(try await total("熔化极气体") == 1)
            #expect(try await total("活性气体") == 0)
            let map = try await client.call(.get, "/api/v1/graph/majors/460110", token: learner)
            #expect(String(buffer: map.body).contains("熔化极气体保护焊"))

            let beside = try await TestLibrary(directory: lib.directory)
            let document = try JSONDecoder().decode(
                CatalogueDocument.self,
                from: Data(#"{"knowledgePoints":[{"id":"gmaw","name":"熔化极活性气体保护焊","course":"weld","kind":"skill","prerequisites":["arc"]}]}"#.utf8)
            )
            let report = try await beside.library.catalogue.importDocument(document, actor: "import", english: false)
            #expect(report.updated.count == 1)
            let renamed = ContinuousClock.now
            while try await total("活性气体") == 0, ContinuousClock.now - renamed < .seconds(2) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(ContinuousClock.now - renamed < .seconds(2))
            #expect(try await total("活性气体") == 1)
            let after = try await client.call(.get, "/api/v1/graph/majors/460110", token: learner)
            #expect(String(buffer: after.body).contains("熔化极活性气体保护焊"))
        }
    }

    @Test func searchIsFilteredFacetedAndRefusesLearnersUnpublishedStates() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let reviewer = try await client.logIn("wang")
            for (file, course, point) in [("wps.pdf", "weld", "arc"), ("weld-bead.png", "weld", "gmaw"), ("weld-demo.mp4", "check", "ut")] {
                let metadata = #"{"title":"焊接资源 \#(file)","major":"460110","course":"\#(course)","knowledgePoints":["\#(point)"],"original":true}"#
                let resource = try await client.upload(try fixture(file), metadata: metadata, token: teacher).decode(Resource.self)
                _ = try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher)
                try await self.approve(client, resource.id, reviewer: reviewer)
            }
            let learner = try await client.logIn("learner")
            let all = try await client.call(.get, "/api/v1/search?q=%E7%84%8A%E6%8E%A5", token: learner).decode(Found.self)
            #expect(all.total == 3)
            for facet in [all.facets.kind, all.facets.course, all.facets.major, all.facets.original] {
                #expect(facet.values.reduce(0, +) == 3)
            }
            #expect(all.facets.course == ["weld": 2, "check": 1])
            // Without a model service (--embeddings), search by meaning is refused by name, words are as ever.
            for mode in ["meaning", "hybrid"] {
                let refused = try await client.call(.get, "/api/v1/search?q=%E7%84%8A%E6%8E%A5&mode=\(mode)", token: learner)
                #expect(refused.status == .badRequest)
                #expect(try refused.problem().errors.map(\.field) == ["mode"])
            }
            #expect(try await client.call(.get, "/api/v1/search?q=x&mode=vectors", token: learner).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/search?q=%E7%84%8A%E6%8E%A5&mode=words", token: learner).decode(Found.self).total == 3)
            let videos = try await client.call(.get, "/api/v1/search?q=%E7%84%8A%E6%8E%A5&kind=video", token: learner).decode(Found.self)
            #expect(videos.total == 1)
            let point = try await client.call(.get, "/api/v1/search?knowledgePoint=gmaw", token: learner).decode(Found.self)
            #expect(point.total == 1)
            let pending = try await client.call(.get, "/api/v1/search?q=x&status=pending", token: learner)
            #expect(pending.status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/search?q=x&sort=random", token: learner).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/search?q=%22%5C%28", token: learner).status == .ok)
            #expect(try await client.call(.get, "/api/v1/search?q=x").status == .unauthorized)
        }
    }

    @Test func recommendationsPreferSharedPointsThenNeighboursAndCourse() async throws {
        struct Related: Decodable {
            let id: String
            let score: Int
            let reasons: [String]
        }
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let reviewer = try await client.logIn("wang")
            var ids: [String: String] = [:]
            // arc is gmaw's prerequisite; ut is in another course.
            for (name, file, course, point) in [
                ("base", "wps.pdf", "weld", "arc"), ("twin", "weld-bead.png", "weld", "arc"), ("next", "weld-demo.mp4", "weld", "gmaw"),
                ("far", "arc-notes.txt", "check", "ut"),
            ] {
                let metadata = #"{"title":"\#(name)","major":"460110","course":"\#(course)","knowledgePoints":["\#(point)"],"original":true}"#
                let resource = try await client.upload(try fixture(file), metadata: metadata, token: teacher).decode(Resource.self)
                _ = try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher)
                try await self.approve(client, resource.id, reviewer: reviewer)
                ids[name] = resource.id
            }
            let hidden = try await client.upload(try fixture("simulation.zip"), metadata: validMetadata, token: teacher).decode(Resource.self)

            let learner = try await client.logIn("learner")
            let related = try await client.call(.get, "/api/v1/recommendations?resource=\(ids["base"]!)", token: learner).decode(PageOf<Related>.self)
            #expect(related.items.map(\.id) == [ids["twin"]!, ids["next"]!])
            #expect(related.items[0].reasons == ["same_course", "shared_point"])
            #expect(related.items[1].reasons == ["neighbouring_point", "same_course"])
            #expect(!related.items.contains { $0.id == hidden.id || $0.id == ids["far"]! })

            // A learner who rates both the base and the far resource well relates them: 1 for each such learner.
            for resource in [ids["base"]!, ids["far"]!] {
                let rated = try await client.call(.post, "/api/v1/resources/\(resource)/ratings", token: learner, json: #"{"stars":5}"#)
                #expect(rated.status == .ok || rated.status == .created)
            }
            let coRated = try await client.call(.get, "/api/v1/recommendations?resource=\(ids["base"]!)", token: learner).decode(PageOf<Related>.self)
            #expect(coRated.items.map(\.id) == [ids["twin"]!, ids["next"]!, ids["far"]!])
            #expect(coRated.items[2].reasons == ["co_rated"] && coRated.items[2].score == 1)
            #expect(coRated.items.map(\.score) == [4, 2, 1])

            #expect(try await client.call(.get, "/api/v1/recommendations?resource=\(hidden.id)", token: learner).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/recommendations", token: learner).status == .badRequest)
        }
    }

    @Test func textInsideTextHTMLOfficeAndPDFFilesIsSearchable() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("wang", .reviewer), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let reviewer = try await client.logIn("wang")
            let html = Array(
                "<!DOCTYPE html><html><head><style>.x{color:red}</style><script>var 秘密脚本 = 1</script></head><body><p>熔池&nbsp;观察</p></body></html>"
                    .utf8
            )
            for bytes in [
                try fixture("arc-notes.txt"), html, try fixture("process-card.docx"), try fixture("weld-lesson.pptx"), try fixture("wps.pdf"),
            ] {
                let resource = try await client.upload(bytes, metadata: validMetadata, token: teacher).decode(Resource.self)
                _ = try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: teacher)
                try await self.approve(client, resource.id, reviewer: reviewer)
            }
            let learner = try await client.logIn("learner")
            func total(_ term: String) async throws -> Int {
                let encoded = term.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                return try await client.call(.get, "/api/v1/search?q=\(encoded)", token: learner).decode(Found.self).total
            }
            #expect(try await total("阴极区") == 1)
            #expect(try await total("\"熔池 观察\"") == 1)
            #expect(try await total("秘密脚本") == 0)
            #expect(try await total("color") == 0)
            // Office and PDF text: a DOCX run, a slide of the deck, a line of the PDF.
            #expect(try await total("焊接工艺卡") == 1)
            #expect(try await total("第3讲") == 1)
            #expect(try await total("Welding procedure specification") == 1)
        }
    }
}
