import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct SystemTests {
    @Test func healthSaysTheDatabaseAnswers() async throws {
        let lib = try TestLibrary()
        try await lib.test { client in
            let response = try await client.call(.get, "/api/v1/health")
            #expect(response.status == .ok)
            #expect(try response.decode([String: JSONValue].self)["status"] == .string("ok"))
        }
    }

    @Test func metricsCountRequestsInPrometheusText() async throws {
        let lib = try TestLibrary()
        try await lib.test { client in
            _ = try await client.call(.get, "/api/v1/health")
            _ = try await client.call(.get, "/api/v1/nowhere")
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = metrics.body.string
            #expect(text.contains("granary_http_requests_total"))
            #expect(text.contains(#"status="404""#))
        }
    }

    @Test func unknownRoutesAndMethodsAreProblems() async throws {
        let lib = try TestLibrary()
        try await lib.test { client in
            let missing = try await client.call(.get, "/api/v1/nowhere")
            #expect(missing.status == .notFound)
            #expect(try missing.problem().code == "not_found")
        }
    }

    /// Every route the router has is in the OpenAPI document, and every documented route answers (not 404).
    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let lib = try TestLibrary()
        let routes: [(String, String)] = [
            ("get", "/health"), ("get", "/openapi.json"),
            ("post", "/sessions"), ("delete", "/sessions"), ("get", "/me"), ("post", "/learners/register"),
            ("get", "/majors"), ("post", "/majors"), ("get", "/majors/{code}"), ("patch", "/majors/{code}"),
            ("get", "/courses"), ("post", "/courses"), ("get", "/courses/{id}"), ("patch", "/courses/{id}"),
            ("get", "/knowledge-points"), ("post", "/knowledge-points"), ("get", "/knowledge-points/{id}"),
            ("get", "/catalogue/majors"),
            ("get", "/resources"), ("post", "/resources"), ("get", "/resources/{id}"), ("patch", "/resources/{id}"),
            ("delete", "/resources/{id}"), ("get", "/resources/{id}/content"), ("head", "/resources/{id}/content"),
            ("put", "/resources/{id}/content"), ("get", "/resources/{id}/versions"), ("get", "/resources/{id}/history"),
            ("post", "/resources/{id}/submit"),
        ]
        try await lib.test { client in
            let response = try await client.call(.get, "/api/v1/openapi.json")
            #expect(response.status == .ok)
            let document = try response.decode(OpenAPIDocument.self)
            #expect(document.openapi.hasPrefix("3."))
            #expect(document.servers.first?.url == "/api/v1")
            let documented = Set(document.paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
            let routed = Set(routes.map { "\($0.0) \($0.1)" })
            #expect(documented == routed)

            for (method, path) in routes {
                let uri =
                    "/api/v1" + path.replacingOccurrences(of: "{code}", with: "460110").replacingOccurrences(of: "{id}", with: UUID().uuidString)
                let answer = try await client.executeRequest(uri: uri, method: .init(method.uppercased())!, headers: [:], body: nil)
                let routeMissing = answer.status == .notFound && answer.body.string.contains("\"detail\":\"未找到\"")
                #expect(!routeMissing, "\(method) \(path) is documented but not routed")
            }
        }
    }
}

/// The parts of an OpenAPI document the test reads.
struct OpenAPIDocument: Decodable {
    struct Server: Decodable { let url: String }
    let openapi: String
    let servers: [Server]
    let paths: [String: [String: JSONValue]]
}
