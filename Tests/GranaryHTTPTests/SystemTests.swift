import Foundation
import GranaryGraph
import GranaryModel
import GranarySearch
import GranaryStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import GranaryHTTP

@Suite struct SystemTests {
    @Test func healthSaysTheDatabaseAnswers() async throws {
        let lib = try await TestLibrary()
        try await lib.test { client in
            let response = try await client.call(.get, "/api/v1/health")
            #expect(response.status == .ok)
            #expect(try response.decode([String: JSONValue].self)["status"] == .string("ok"))
            // The integrity check runs beside the service after start-up; wait (boundedly) for its verdict.
            var integrity = JSONValue.string("checking")
            for _ in 0..<500 where integrity == .string("checking") {
                try await Task.sleep(for: .milliseconds(10))
                integrity = try await client.call(.get, "/api/v1/health").decode([String: JSONValue].self)["integrity"] ?? .null
            }
            #expect(integrity == .string("ok"))
        }
    }

    @Test func metricsCountRequestsInPrometheusText() async throws {
        let lib = try await TestLibrary()
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
        let lib = try await TestLibrary()
        try await lib.test { client in
            let missing = try await client.call(.get, "/api/v1/nowhere")
            #expect(missing.status == .notFound)
            #expect(try missing.problem().code == "not_found")
            // A known path with a method it does not take is 405 with the methods it does take (RFC 9110 §15.5.6).
            let wrongMethod = try await client.call(.delete, "/api/v1/health")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET, HEAD")
            #expect(try wrongMethod.problem().code == "method_not_allowed")
            let id = UUID().uuidString.lowercased()
            #expect(try await client.call(.put, "/api/v1/resources/\(id)").headers[.allow] == "DELETE, GET, HEAD, PATCH")
            #expect(try await client.call(.delete, "/api/v1/resources").headers[.allow] == "GET, HEAD, POST")
            // HEAD is GET without the body, on the API and on pages.
            let head = try await client.call(.head, "/api/v1/health")
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try await client.call(.head, "/").status == .ok)
            // A literal segment wins over a parameter, as in the router: /questions/import is not /questions/{id}.
            #expect(try await client.call(.get, "/api/v1/questions/import").headers[.allow] == "POST")
            // A path the router does not know stays 404, and so does a handler's own "not found".
            #expect(try await client.call(.put, "/api/v1/nowhere/\(id)").status == .notFound)
            #expect(try await client.call(.get, "/api/v1/courses/nope").status == .notFound)
        }
    }

    @Test func aRecommendationLimitAboveFiftyIsRefusedNotCut() async throws {
        let lib = try await TestLibrary.seeded([("learner", .learner)])
        try await lib.test { client in
            let learner = try await client.logIn("learner")
            for path in ["/api/v1/me/recommendations?limit=51", "/api/v1/recommendations?resource=\(UUID().uuidString.lowercased())&limit=51"] {
                let response = try await client.call(.get, path, token: learner)
                #expect(response.status == .badRequest, "\(path)")
                #expect(try response.problem().errors.map(\.field) == ["limit"], "\(path)")
            }
            #expect(try await client.call(.get, "/api/v1/me/recommendations?limit=50", token: learner).status == .ok)
        }
    }

    /// Every route the router has is in the OpenAPI document, and nothing else is.
    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let lib = try await TestLibrary()
        let router = try buildRouter(
            library: lib.library,
            configuration: lib.configuration,
            integrity: IntegrityCheck(library: lib.library, logger: Logger(label: "test")),
            search: SearchService(resources: lib.library.resources, feed: lib.library.database.feed),
            graph: GraphService(database: lib.library.database)
        )
        let routed = Set(
            router.routes.compactMap { route -> String? in
                let path = route.path.description
                guard path.hasPrefix("/api/v1/") else { return nil }  // /metrics is for Prometheus, not API clients
                let components = path.dropFirst("/api/v1".count).split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                return "\(route.method.rawValue.lowercased()) /" + components.joined(separator: "/")
            }
        )
        #expect(routed.count >= 29)
        try await lib.test { client in
            let response = try await client.call(.get, "/api/v1/openapi.json")
            #expect(response.status == .ok)
            let document = try response.decode(OpenAPIDocument.self)
            #expect(document.openapi.hasPrefix("3."))
            #expect(document.servers.first?.url == "/api/v1")
            let documented = Set(document.paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
            #expect(documented == routed)
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

@Suite struct ExpectContinueTests {
    /// curl sends `Expect: 100-continue` for bodies over 1 MiB and waits a second for the answer before sending.
    @Test func aClientThatExpectsContinueIsToldToGoOnAtOnce() async throws {
        let lib = try await TestLibrary.seeded()
        try await lib.test(.live) { client in
            let port = try #require(client.port)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let head =
                "POST /api/v1/resources HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 100\r\n"
                + "Content-Type: multipart/form-data; boundary=b0\r\n\r\n"
            _ = head.withCString { send(fd, $0, strlen($0), 0) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = recv(fd, &buffer, buffer.count, 0)
            #expect(count > 0)
            #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).hasPrefix("HTTP/1.1 100 Continue\r\n"))
        }
    }
}
