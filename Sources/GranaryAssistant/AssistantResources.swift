import Foundation
import GranaryModel
import GranaryStore
import MCP

/// A resource's text as an MCP resource (`granary://resources/{id}`): its facts, the link to cite and the text
/// extracted from its file, as the caller may see it.
extension Assistant {
    static let resourceScheme = "granary://resources/"
    /// Characters of text one read gives at most; the `read_resource` tool pages through longer ones.
    static let resourceTextLimit = 100_000

    func addResources(to server: Server, caller: Caller) async {
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: [
                MCP.Resource.Template(
                    uriTemplate: Self.resourceScheme + "{id}",
                    name: "resource-text",
                    title: "资源全文",
                    description: "一个资源的元数据、可引用的链接和从文件中提取的文字",
                    mimeType: "text/plain"
                )
            ])
        }
        await server.withMethodHandler(ListResources.self) { _ in
            // The newest the caller may see: a start, not a catalogue (search finds the rest).
            let page = try await self.resources.list(ResourceFilter(), viewer: caller.user, PageRequest(page: 1, pageSize: 20))
            return ListResources.Result(
                resources: page.items.map {
                    MCP.Resource(
                        name: $0.title,
                        uri: Self.resourceScheme + $0.id,
                        title: $0.title,
                        description: $0.description,
                        mimeType: "text/plain"
                    )
                }
            )
        }
        await server.withMethodHandler(ReadResource.self) { parameters in
            guard parameters.uri.hasPrefix(Self.resourceScheme) else {
                throw MCPError.invalidParams("未知的资源地址：\(parameters.uri)（应为 \(Self.resourceScheme){id}）")
            }
            let id = String(parameters.uri.dropFirst(Self.resourceScheme.count)).lowercased()
            do {
                try await self.catchUp()
                let (resource, text) = try await self.resources.text(id: id, viewer: caller.user)
                var body = text ?? "（此资源的文件没有可读的文字）"
                if body.count > Self.resourceTextLimit {
                    body = String(body.prefix(Self.resourceTextLimit)) + "\n……（以下从略，用 read_resource 工具分段阅读）"
                }
                let header = [
                    "标题：\(resource.title)",
                    "课程：\(resource.course)　专业：\(resource.major)　类型：\(resource.kind.chineseName)",
                    resource.original ? "原创" : "引用" + (resource.source.map { "（来源：\($0)）" } ?? ""),
                    "链接：\(caller.link("/resources/\(resource.id)"))",
                ]
                return ReadResource.Result(contents: [
                    .text(header.joined(separator: "\n") + "\n\n" + body, uri: parameters.uri, mimeType: "text/plain")
                ])
            } catch let error as GranaryError {
                // Not found and not visible read alike, as in the API; -32002 is the protocol's "resource not found".
                throw error.code == .notFound ? MCPError.serverError(code: -32002, message: error.detail.zh) : MCPError.invalidParams(error.detail.zh)
            }
        }
    }
}
