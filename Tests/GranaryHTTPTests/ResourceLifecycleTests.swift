import Foundation
import GranaryModel
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GranaryStore

@Suite struct ResourceLifecycleTests {
    @Test func newContentAndNewMetadataMakeVersionsAndKeepTheOldOnes() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let first = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token).decode(Resource.self)
            let second = try await client.upload(try fixture("weld-bead.png"), metadata: nil, token: token, to: first.id)
            #expect(second.status == .ok)
            let v2 = try second.decode(Resource.self)
            #expect(v2.version == 2)
            #expect(v2.kind == .image)
            #expect(v2.title == first.title)
            #expect(v2.canonicalName.hasSuffix("_图形图像_原创.png"))

            let patched = try await client.call(
                .patch,
                "/api/v1/resources/\(first.id)",
                token: token,
                json: #"{"title":"电弧（修订）","knowledgePoints":["gmaw","arc"],"original":false}"#
            )
            #expect(patched.status == .ok)
            let v3 = try patched.decode(Resource.self)
            #expect(v3.version == 3)
            #expect(v3.sha256 == v2.sha256)
            #expect(v3.canonicalName == "智能焊接技术_焊接方法与设备_熔化极气体保护焊_图形图像_引用.png")

            let versions = try await client.call(.get, "/api/v1/resources/\(first.id)/versions", token: token).decode(
                PageOf<ResourceVersionSummary>.self
            )
            #expect(versions.items.map(\.version) == [3, 2, 1])
            #expect(versions.items.map(\.current) == [true, false, false])

            let oldMetadata = try await client.call(.get, "/api/v1/resources/\(first.id)?version=1", token: token).decode(Resource.self)
            #expect(oldMetadata.title == "电弧特性讲解")

            let history = try await client.call(.get, "/api/v1/resources/\(first.id)/history", token: token).decode(PageOf<Event>.self)
            #expect(history.items.map(\.action) == ["resource.created", "resource.versioned", "resource.versioned"])
            #expect(history.items.allSatisfy { $0.actor == "zhang" })
            #expect(history.total == 3)
            let lastPage = try await client.call(.get, "/api/v1/resources/\(first.id)/history?page=2&pageSize=2", token: token)
                .decode(PageOf<Event>.self)
            #expect(lastPage.items.map(\.action) == ["resource.versioned"] && lastPage.total == 3)
            let beyond = try await client.call(.get, "/api/v1/resources/\(first.id)/history?page=4&pageSize=2", token: token)
                .decode(PageOf<Event>.self)
            #expect(beyond.items.isEmpty && beyond.total == 3)
            // An older version's bytes; a download of what is not published is itself in the history from then on.
            let old = try await client.call(.get, "/api/v1/resources/\(first.id)/content?version=1", token: token)
            #expect(Array(old.body.readableBytesView) == (try fixture("wps.pdf")))
            let audited = try await client.call(.get, "/api/v1/resources/\(first.id)/history", token: token).decode(PageOf<Event>.self)
            #expect(audited.items.last?.action == "resource.unpublished_downloaded" && audited.total == 4)

            let badPatch = try await client.call(.patch, "/api/v1/resources/\(first.id)", token: token, json: #"{"course":null}"#)
            #expect(try badPatch.problem().code == "missing_metadata")
            let wrongKind = try await client.call(.patch, "/api/v1/resources/\(first.id)", token: token, json: #"{"kind":"audio"}"#)
            #expect(try wrongKind.problem().code == "kind_mismatch")
        }
    }

    @Test func submittingMovesADraftToPendingOnce() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token).decode(Resource.self)
            let submitted = try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: token)
            #expect(try submitted.decode(Resource.self).status == .pending)
            let again = try await client.call(.post, "/api/v1/resources/\(resource.id)/submit", token: token)
            #expect(again.status == .conflict)
            #expect(try again.problem().code == "invalid_transition")
        }
    }

    @Test func retiringKeepsTheBytesAndHistoryButHidesTheResource() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("learner", .learner)])
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            let resource = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token).decode(Resource.self)
            try await lib.publish(resource.id)
            let learner = try await client.logIn("learner")
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner).status == .ok)

            let retired = try await client.call(.delete, "/api/v1/resources/\(resource.id)", token: token)
            #expect(try retired.decode(Resource.self).status == .retired)
            #expect(try await client.call(.get, "/api/v1/resources/\(resource.id)", token: learner).status == .notFound)
            let list = try await client.call(.get, "/api/v1/resources", token: learner).decode(PageOf<Resource>.self)
            #expect(list.total == 0)

            let newVersion = try await client.upload(try fixture("weld-bead.png"), metadata: nil, token: token, to: resource.id)
            #expect(newVersion.status == .conflict)
            #expect(try newVersion.problem().code == "invalid_transition")
            #expect(try await client.call(.delete, "/api/v1/resources/\(resource.id)", token: token).status == .conflict)

            let history = try await client.call(.get, "/api/v1/resources/\(resource.id)/history", token: token).decode(PageOf<Event>.self)
            #expect(history.items.last?.action == "resource.retired")
        }
        #expect(try await lib.blobFiles().count == 1)
    }

    @Test func learnersSeeOnlyApprovedContent() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("learner", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let draft = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: teacher).decode(Resource.self)
            let pending = try await client.upload(try fixture("arc-notes.txt"), metadata: validMetadata, token: teacher).decode(Resource.self)
            _ = try await client.call(.post, "/api/v1/resources/\(pending.id)/submit", token: teacher)
            let published = try await client.upload(try fixture("weld-bead.png"), metadata: validMetadata, token: teacher).decode(Resource.self)
            try await lib.publish(published.id)

            let learner = try await client.logIn("learner")
            for hidden in [draft.id, pending.id] {
                #expect(try await client.call(.get, "/api/v1/resources/\(hidden)", token: learner).status == .notFound)
                #expect(try await client.call(.get, "/api/v1/resources/\(hidden)/content", token: learner).status == .notFound)
            }
            let list = try await client.call(.get, "/api/v1/resources", token: learner).decode(PageOf<Resource>.self)
            #expect(list.items.map(\.id) == [published.id])
            let asking = try await client.call(.get, "/api/v1/resources?status=pending", token: learner)
            #expect(asking.status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/resources/\(published.id)/content", token: learner).status == .ok)
            #expect(try await client.call(.get, "/api/v1/resources/\(published.id)/versions", token: learner).status == .forbidden)

            // A new version waits for review while learners keep seeing the approved one.
            let v2 = try await client.upload(try fixture("wps.pdf"), metadata: nil, token: teacher, to: published.id).decode(Resource.self)
            #expect(v2.status == .pending)
            let seen = try await client.call(.get, "/api/v1/resources/\(published.id)", token: learner).decode(Resource.self)
            #expect(seen.version == 1)
            #expect(seen.status == .approved)
            #expect(seen.mime == "image/png")
            let older = try await client.call(.get, "/api/v1/resources/\(published.id)?version=2", token: learner)
            #expect(older.status == .forbidden)
        }
    }

    @Test func teachersChangeOnlyTheirOwnResourcesAndAdminsAny() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("li", .teacher), ("admin", .admin)])
        try await lib.test { client in
            let zhang = try await client.logIn("zhang")
            let li = try await client.logIn("li")
            let draft = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: zhang).decode(Resource.self)
            // Another teacher's draft is invisible; a published one can be read but not changed.
            #expect(try await client.call(.patch, "/api/v1/resources/\(draft.id)", token: li, json: #"{"title":"改"}"#).status == .notFound)
            try await lib.publish(draft.id)
            let patch = try await client.call(.patch, "/api/v1/resources/\(draft.id)", token: li, json: #"{"title":"改"}"#)
            #expect(patch.status == .forbidden)
            #expect(try patch.problem().code == "forbidden")
            #expect(try await client.upload(try fixture("weld-bead.png"), metadata: nil, token: li, to: draft.id).status == .forbidden)
            #expect(try await client.call(.delete, "/api/v1/resources/\(draft.id)", token: li).status == .forbidden)

            let admin = try await client.logIn("admin")
            let byAdmin = try await client.call(.patch, "/api/v1/resources/\(draft.id)", token: admin, json: #"{"title":"管理员修订"}"#)
            #expect(byAdmin.status == .ok)
            #expect(try byAdmin.decode(Resource.self).createdBy == "zhang")
        }
    }

    @Test func listsFilterByCourseKindPointAndOriginality() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test { client in
            let token = try await client.logIn("zhang")
            _ = try await client.upload(try fixture("wps.pdf"), metadata: validMetadata, token: token)
            _ = try await client.upload(
                try fixture("weld-bead.png"),
                metadata: #"{"title":"超声","major":"460110","course":"check","knowledgePoints":["ut"],"original":false}"#,
                token: token
            )
            func total(_ query: String) async throws -> Int {
                try await client.call(.get, "/api/v1/resources?\(query)", token: token).decode(PageOf<Resource>.self).total
            }
            #expect(try await total("") == 2)
            #expect(try await total("course=check") == 1)
            #expect(try await total("kind=document") == 1)
            #expect(try await total("knowledgePoint=arc") == 1)
            #expect(try await total("original=false") == 1)
            #expect(try await total("status=draft&major=460110") == 2)
            #expect(try await client.call(.get, "/api/v1/resources?original=maybe", token: token).status == .badRequest)
        }
    }
}
