import Foundation
import GranaryAssistant
import GranaryModel
import HTTPTypes
import Hummingbird
import MCP
import NIOCore

/// `/mcp`: the learning assistant over the Model Context Protocol's streamable HTTP transport.
///
/// Only a bearer token opens it (a session's, or a personal access token made at `/me`): a browser's cookie never
/// does, so no other site can make a visitor's browser use it. A protocol session belongs to the account that began
/// it; each request must carry a live token of that same account, and the tools then act as the account is now.
/// The server sends nothing unasked, so `GET` (a stream for server-initiated messages) is 405, as the transport's
/// specification allows, and no response stays open once its answer is sent.
struct AssistantController {
    let sessions: AssistantSessions
    /// Links in answers start with `https://` when the service itself serves TLS.
    let secure: Bool

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("mcp", use: self.handle)
        router.delete("mcp", use: self.handle)
        router.get("mcp", use: self.refuseStream)
    }

    @Sendable func refuseStream(request: Request, context: AppRequestContext) async throws -> Response {
        Problem(
            code: "method_not_allowed",
            status: .methodNotAllowed,
            title: LocalizedText(zh: "不支持此请求方法", en: "Method not allowed"),
            detail: LocalizedText(zh: "学习助手不主动推送消息：请用 POST 发送请求", en: "The assistant sends nothing unasked: POST requests"),
            errors: [],
            english: request.prefersEnglish
        ).response(status: .methodNotAllowed, headers: [.allow: "POST, DELETE"])
    }

    @Sendable func handle(request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user, !context.authenticatedByCookie else {
            var response = Problem(
                code: GranaryError.Code.unauthorized.rawValue,
                status: .unauthorized,
                title: LocalizedText(zh: "需要令牌", en: "A token is needed"),
                detail: LocalizedText(
                    zh: "学习助手只接受 Authorization: Bearer 令牌：请在“个人中心”创建个人访问令牌",
                    en: "The assistant accepts Authorization: Bearer tokens only; make a personal access token at /me"
                ),
                errors: [],
                english: request.prefersEnglish
            ).response(status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer realm=\"granary\""
            return response
        }
        var body: Data? = nil
        if request.method == .post {
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            body = buffer.readableBytes > 0 ? Data(buffer.readableBytesView) : nil
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let forwardedSecure = request.headers[.init("X-Forwarded-Proto")!] == "https"
        let host = request.head.authority ?? "localhost"
        let linkBase = (self.secure || forwardedSecure ? "https://" : "http://") + host
        let answer = await self.sessions.handle(
            MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: request.uri.path),
            user: user,
            linkBase: linkBase
        )
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        fields[.cacheControl] = "no-store"
        let status = HTTPTypes.HTTPResponse.Status(code: answer.statusCode)
        if case .stream(let stream, _) = answer {
            return Response(
                status: status,
                headers: fields,
                body: ResponseBody { writer in
                    for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                    try await writer.finish(nil)
                }
            )
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.bodyData ?? Data())))
    }
}

/// The node's assistant sessions: one MCP server and transport each, owned by one account, ended by `DELETE`, by
/// an hour unused, or when the account opens more than it may keep (the least recently used goes).
///
/// They live in this node's memory: behind a load balancer, a session's requests must reach the node that began it
/// (haproxy: stick on the `Mcp-Session-Id` header); a client whose session is unknown gets 404 and begins another,
/// as the transport's specification has clients do.
actor AssistantSessions {
    struct Session {
        let server: Server
        let transport: StatefulHTTPServerTransport
        let caller: Caller
        let owner: String
        var lastUsed: ContinuousClock.Instant
    }

    static let idleLimit: Duration = .seconds(3600)
    static let perAccount = 8
    static let perNode = 2000

    let assistant: Assistant
    private var sessions: [String: Session] = [:]

    init(assistant: Assistant) {
        self.assistant = assistant
    }

    /// Hands the request to its session's transport, or begins a session for an `initialize` request.
    func handle(_ request: MCP.HTTPRequest, user: User, linkBase: String) async -> MCP.HTTPResponse {
        await self.endIdle()
        if let id = request.header(HTTPHeaderName.sessionID) {
            // Another account's session reads as unknown: its id says nothing to whoever guessed or stole it.
            guard var session = self.sessions[id], session.owner == user.id else {
                return .error(statusCode: 404, .invalidRequest("会话不存在或已结束，请重新初始化"))
            }
            session.caller.refresh(user)
            session.lastUsed = .now
            self.sessions[id] = session
            let response = await session.transport.handleRequest(request)
            if request.method == "DELETE" && response.statusCode == 200 { self.sessions[id] = nil }
            return response
        }
        guard request.method == "POST", let body = request.body, Self.isInitialize(body) else {
            return .error(statusCode: 400, .invalidRequest("缺少 \(HTTPHeaderName.sessionID) 头：请先发送 initialize 请求"))
        }
        return await self.begin(request, user: user, linkBase: linkBase)
    }

    private func begin(_ request: MCP.HTTPRequest, user: User, linkBase: String) async -> MCP.HTTPResponse {
        let mine = self.sessions.filter { $0.value.owner == user.id }
        if mine.count >= Self.perAccount, let oldest = mine.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            await self.end(oldest.key)
        }
        guard self.sessions.count < Self.perNode else {
            return .error(statusCode: 503, .internalError("学习助手会话已满，请稍后重试"))
        }
        let transport = StatefulHTTPServerTransport(
            // The origin check of the default pipeline is for servers on localhost reached without credentials;
            // here every request carries a bearer token, which another site's page cannot send.
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .sseRequired),
                ContentTypeValidator(),
                ProtocolVersionValidator(),
                SessionValidator(),
            ])
        )
        let caller = Caller(user: user, linkBase: linkBase)
        let server = await self.assistant.server(for: caller)
        do {
            try await server.start(transport: transport)
        } catch {
            await transport.disconnect()
            return .error(statusCode: 500, .internalError("学习助手未能启动：\(error)"))
        }
        let response = await transport.handleRequest(request)
        guard let id = response.headers[HTTPHeaderName.sessionID] else {
            await server.stop()
            return response
        }
        self.sessions[id] = Session(server: server, transport: transport, caller: caller, owner: user.id, lastUsed: .now)
        return response
    }

    /// Whether a request body is the `initialize` request that begins a session.
    static func isInitialize(_ body: Data) -> Bool {
        struct Message: Decodable { let method: String? }
        return (try? JSONDecoder().decode(Message.self, from: body))?.method == "initialize"
    }

    private func end(_ id: String) async {
        guard let session = self.sessions.removeValue(forKey: id) else { return }
        await session.server.stop()
    }

    private func endIdle() async {
        let now = ContinuousClock.now
        for (id, session) in self.sessions where now - session.lastUsed > Self.idleLimit {
            await self.end(id)
        }
    }
}
