import Foundation
import GranaryModel
import HTTPTypes
import Hummingbird

/// Answers 405 with `Allow` when a request names an API path the router knows, but not with its method: the router
/// answers 404 for both. The paths and their methods are the OpenAPI document's, which
/// `SystemTests.theOpenAPIDocumentDescribesEveryRoute` keeps equal to the router's.
struct MethodNotAllowed<Context: RequestContext>: RouterMiddleware {
    struct Route: Sendable {
        /// The template's segments under the prefix; nil for a `{parameter}`.
        let segments: [Substring?]
        /// Its methods, as the `Allow` header lists them.
        let allow: String
    }

    let routes: [Route]

    init(openAPIDocument: Data, prefix: String = "/api/v1") throws {
        let document = try JSONSerialization.jsonObject(with: openAPIDocument) as? [String: Any] ?? [:]
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        self.routes = paths.map { path, operations in
            var allowed = Set(operations.keys.filter { methods.contains($0) })
            // The router answers HEAD wherever it answers GET (`autoGenerateHeadEndpoints`).
            if allowed.contains("get") { allowed.insert("head") }
            return Route(
                segments: (prefix + path).split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 },
                allow: allowed.map { $0.uppercased() }.sorted().joined(separator: ", ")
            )
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Answered before anything below looks at the request: whoever asks, a method the path lacks is a 405 (an
        // account fenced into one duty would otherwise get its 403 for a route that does not exist).
        if let allow = self.allow(path: request.uri.path), !allow.split(separator: ", ").contains(Substring(request.method.rawValue)) {
            return Self.refusal(allow, request)
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Only the router's own 404 (no route for path and method) is an HTTPError; handlers throw GranaryError.
            guard let allow = self.allow(path: request.uri.path) else { throw error }
            return Self.refusal(allow, request)
        }
    }

    private static func refusal(_ allow: String, _ request: Request) -> Response {
        Problem(
            code: "method_not_allowed",
            status: .methodNotAllowed,
            title: LocalizedText(zh: "不支持此请求方法", en: "Method not allowed"),
            detail: LocalizedText(zh: "此地址只接受 \(allow)", en: "This path accepts \(allow) only"),
            errors: [],
            english: request.prefersEnglish
        ).response(status: .methodNotAllowed, headers: [.allow: allow])
    }

    /// The methods of the template that matches `path` with the most literal segments (the router prefers a literal
    /// segment to a parameter), or nil when no template matches.
    func allow(path: String) -> String? {
        let segments = path.split(separator: "/")
        var best: (literals: Int, allow: String)?
        for route in self.routes where route.segments.count == segments.count {
            var literals = 0
            var matches = true
            for (template, segment) in zip(route.segments, segments) {
                guard let template else { continue }
                if template == segment {
                    literals += 1
                } else {
                    matches = false
                    break
                }
            }
            if matches, literals > best?.literals ?? -1 { best = (literals, route.allow) }
        }
        return best?.allow
    }
}
