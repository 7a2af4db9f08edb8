import Foundation
import GranaryModel
import GranaryTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import GranaryHTTP

/// The learning assistant at `/mcp`, spoken to as an MCP client does (JSON-RPC over streamable HTTP), through the
/// real router over a real library. Tests/Assistant/mcp_run.py drives the same with the official Python client, over
/// HTTP and stdio, for every tool and role.
@Suite struct AssistantTests {
    /// One exchange: the status, the session header and the JSON-RPC message (from the SSE stream or the body).
    struct Exchange {
        let status: HTTPResponse.Status
        let session: String?
        let message: [String: Any]?

        var result: [String: Any]? { self.message?["result"] as? [String: Any] }
        /// A tool call's structured content and whether it is an error.
        var tool: (data: [String: Any], isError: Bool)? {
            guard let result = self.result, let data = result["structuredContent"] as? [String: Any] else { return nil }
            return (data, result["isError"] as? Bool ?? false)
        }
    }

    static func send(
        _ client: some TestClientProtocol,
        token: String?,
        session: String? = nil,
        method: HTTPRequest.Method = .post,
        _ body: String? = nil
    ) async throws -> Exchange {
        var headers: HTTPFields = [.accept: "application/json, text/event-stream", .contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let session { headers[HTTPField.Name("Mcp-Session-Id")!] = session }
        headers[HTTPField.Name("MCP-Protocol-Version")!] = "2025-06-18"
        let response = try await client.executeRequest(uri: "/mcp", method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        // An SSE stream: the message is the `data:` line of its event.
        let json = text.split(separator: "\n").first { $0.hasPrefix("data: {") }.map { String($0.dropFirst(6)) } ?? text
        let message = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        return Exchange(status: response.status, session: response.headers[HTTPField.Name("Mcp-Session-Id")!], message: message)
    }

    /// Begins a session for `token`: initialize, then the initialized notification.
    static func begin(_ client: some TestClientProtocol, token: String) async throws -> String {
        let initialize = try await Self.send(
            client,
            token: token,
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#
        )
        let session = try #require(initialize.session)
        #expect((initialize.result?["serverInfo"] as? [String: Any])?["name"] as? String == "granary")
        let initialized = try await Self.send(client, token: token, session: session, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        #expect(initialized.status == .accepted)
        return session
    }

    static func call(
        _ client: some TestClientProtocol,
        token: String,
        session: String,
        _ tool: String,
        _ arguments: String
    ) async throws -> (data: [String: Any], isError: Bool) {
        let exchange = try await Self.send(
            client,
            token: token,
            session: session,
            #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#
        )
        return try #require(exchange.tool, "\(tool): \(String(describing: exchange.message))")
    }

    @Test func toolsActAsTheCallerAndObeyTheSameRulesAsTheAPI() async throws {
        let lib = try await TestLibrary.seeded([("zhang", .teacher), ("xs", .learner)])
        try await lib.test { client in
            let teacher = try await client.logIn("zhang")
            let learner = try await client.logIn("xs")
            let published = try await client.upload(
                try fixture("wps.pdf"),
                metadata: #"{"title":"焊接工艺卡","major":"460110","course":"weld","knowledgePoints":["gmaw"],"original":true}"#,
                token: teacher
            ).decode(Resource.self)
            try await lib.publish(published.id)
            let draft = try await client.upload(
                try fixture("wps.pdf"),
                metadata: #"{"title":"焊接草稿讲义","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true}"#,
                token: teacher
            ).decode(Resource.self)

            let mine = try await Self.begin(client, token: learner)
            let listed = try await Self.send(client, token: learner, session: mine, #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
            let names = Set(((listed.result?["tools"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
            #expect(names.contains("search_resources") && names.contains("my_progress") && !names.contains("draft_offering"))

            // The learner's search holds the published resource and never the draft; reading the draft is not found.
            let found = try await Self.call(client, token: learner, session: mine, "search_resources", #"{"query":"焊接"}"#)
            let titles = (found.data["items"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
            #expect(!found.isError && titles == ["焊接工艺卡"])
            let link = (found.data["items"] as? [[String: Any]])?.first?["link"] as? String
            #expect(link == "http://localhost/resources/\(published.id)" || link?.hasSuffix("/resources/\(published.id)") == true)
            let hidden = try await Self.call(client, token: learner, session: mine, "read_resource", #"{"id":"\#(draft.id)"}"#)
            #expect(hidden.isError && hidden.data["code"] as? String == "not_found")
            let read = try await Self.call(client, token: learner, session: mine, "read_resource", #"{"id":"\#(published.id)"}"#)
            #expect(!read.isError && (read.data["chunk"] as? [String: Any])?["text"].map { "\($0)" == "Welding procedure specification" } == true)
            #expect(read.data["chunkCount"] as? Int == 1)

            // A tool of another role is refused; bad arguments name the field.
            let refused = try await Self.call(client, token: learner, session: mine, "draft_offering", #"{"course":"weld","title":"x"}"#)
            #expect(refused.isError && refused.data["code"] as? String == "forbidden")
            let bad = try await Self.call(client, token: learner, session: mine, "search_resources", #"{"query":"焊","page_size":99}"#)
            let fields = (bad.data["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(bad.isError && bad.data["code"] as? String == "validation_failed" && fields == ["page_size"])
            let past = try await Self.call(client, token: learner, session: mine, "read_resource", #"{"id":"\#(published.id)","chunk":3}"#)
            #expect(past.isError && (past.data["errors"] as? [[String: Any]])?.first?["field"] as? String == "chunk")

            // The teacher sees their own draft, and drafts an offering that stays a draft.
            let theirs = try await Self.begin(client, token: teacher)
            let own = try await Self.call(client, token: teacher, session: theirs, "read_resource", #"{"id":"\#(draft.id)"}"#)
            #expect(!own.isError && own.data["status"] as? String == "draft")
            let offering = try await Self.call(client, token: teacher, session: theirs, "draft_offering", #"{"course":"weld","title":"焊接入门"}"#)
            let drafted = try #require(offering.data["draft"] as? [String: Any])
            #expect(!offering.isError && drafted["status"] as? String == "draft")
            #expect((drafted["units"] as? [[String: Any]])?.map { $0["title"] as? String } == ["熔化极气体保护焊"])

            // A session belongs to its account: another's token finds none; a cookie opens nothing; GET is 405.
            let stolen = try await Self.send(client, token: teacher, session: mine, #"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#)
            #expect(stolen.status == .notFound)
            let cookie = try await client.executeRequest(
                uri: "/mcp",
                method: .post,
                headers: [
                    .cookie: "granary_session=\(learner)", .contentType: "application/json",
                    HTTPField.Name("X-CSRF-Token")!: WebSession.csrfToken(forSession: learner),
                ],
                body: ByteBuffer(string: #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#)
            )
            #expect(cookie.status == .unauthorized && cookie.headers[.wwwAuthenticate] == #"Bearer realm="granary""#)
            #expect(try await Self.send(client, token: learner, method: .get).status == .methodNotAllowed)
            #expect(try await Self.send(client, token: nil, #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#).status == .unauthorized)
            // Ended by DELETE, the session is gone.
            #expect(try await Self.send(client, token: learner, session: mine, method: .delete).status == .ok)
            #expect(
                try await Self.send(client, token: learner, session: mine, #"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#).status == .notFound
            )
        }
    }
}
