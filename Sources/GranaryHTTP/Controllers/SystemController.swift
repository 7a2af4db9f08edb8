import Foundation
import GranaryModel
import GranaryStore
import Hummingbird
import NIOCore
import Prometheus

/// Health, the OpenAPI document and Prometheus metrics.
struct SystemController {
    let library: Library
    let openAPIDocument: ByteBuffer
    let registry: PrometheusCollectorRegistry
    let integrity: IntegrityCheck

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get("health", use: self.health)
        router.get("openapi.json", use: self.openAPI)
    }

    struct Health: Encodable {
        let status: String
        let database: String
        /// `ok`, or `unavailable` when the blob store (an object store in a cluster) does not answer. Every node
        /// shares that store, so this degrades the status without failing the check: taking every node out of the
        /// balancer would only make reads that need no blob fail too.
        let blobs: String
        /// `checking` until the start-up integrity check is done, then `ok` or `problems`.
        let integrity: String
        let integrityProblems: [String]
    }

    @Sendable func health(request: Request, context: AppRequestContext) async throws -> Response {
        // A trivial read proves the database answers (the catalogue's reads may be answered from memory).
        let answers = (try? await self.library.database.read { db in try db.fetchOne(Int.self, sql: "SELECT 1") }) != nil
        let problems = await self.integrity.problems
        // A digest no content has: the store answers "not there" when it is up.
        let blobsAnswer = (try? await self.library.blobs.contains(sha256: String(repeating: "0", count: 64))) != nil
        return try .json(
            Health(
                status: answers && blobsAnswer && problems?.isEmpty != false ? "ok" : "degraded",
                database: answers ? "ok" : "unavailable",
                blobs: blobsAnswer ? "ok" : "unavailable",
                integrity: problems.map { $0.isEmpty ? "ok" : "problems" } ?? "checking",
                integrityProblems: problems ?? []
            ),
            status: answers ? .ok : .serviceUnavailable
        )
    }

    @Sendable func openAPI(request: Request, context: AppRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: self.openAPIDocument))
    }

    @Sendable func metrics(request: Request, context: AppRequestContext) async throws -> Response {
        var bytes: [UInt8] = []
        self.registry.emit(into: &bytes)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
