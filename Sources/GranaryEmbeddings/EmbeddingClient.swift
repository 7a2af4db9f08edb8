import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client of an OpenAI-compatible embeddings endpoint (`POST …/v1/embeddings`), the interface colleges' model
/// services offer. `input_type` says whether texts are queries or passages (models of the e5 family embed the two
/// differently; services that do not know the field ignore it).
public struct EmbeddingClient: Sendable {
    /// What a text is, for the model.
    public enum Kind: String, Sendable {
        case query
        case passage
    }

    /// The endpoint's problem, in words for the log and the operator.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let endpoint: String
    let model: String?
    let http: HTTPClient

    /// `url` is the service's base (`http://host:8000/v1`) or the endpoint itself (`…/v1/embeddings`).
    public init(url: String, model: String? = nil, http: HTTPClient = .shared) {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.endpoint = trimmed.hasSuffix("/embeddings") ? trimmed : trimmed + (trimmed.hasSuffix("/v1") ? "" : "/v1") + "/embeddings"
        self.model = model
        self.http = http
    }

    private struct Request: Encodable {
        let input: [String]
        let model: String?
        let input_type: String
        let encoding_format = "float"
    }

    private struct Response: Decodable {
        struct Item: Decodable {
            let index: Int
            let embedding: [Float]
        }

        let data: [Item]
        let model: String?
    }

    /// One vector per text, in order, scaled to length 1.
    public func embed(_ texts: [String], as kind: Kind, timeout: TimeAmount = .seconds(120)) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        var request = HTTPClientRequest(url: self.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(Request(input: texts, model: self.model, input_type: kind.rawValue))))
        let response: HTTPClientResponse
        do {
            response = try await self.http.execute(request, timeout: timeout)
        } catch {
            throw Failure(description: "the embeddings service at \(self.endpoint) did not answer: \(error)")
        }
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            throw Failure(description: "the embeddings service answered \(response.status.code): \(String(buffer: body).prefix(300))")
        }
        let decoded: Response
        do {
            decoded = try JSONDecoder().decode(Response.self, from: body)
        } catch {
            throw Failure(description: "the embeddings service's answer is not an embeddings list: \(error)")
        }
        let vectors = decoded.data.sorted { $0.index < $1.index }.map { Self.normalized($0.embedding) }
        guard vectors.count == texts.count, let width = vectors.first?.count, width > 0, vectors.allSatisfy({ $0.count == width }) else {
            throw Failure(description: "the embeddings service gave \(decoded.data.count) vectors for \(texts.count) texts")
        }
        return vectors
    }

    /// The model's name, as the rows record it: the one given, else the first the service lists at `/v1/models`.
    public func modelName() async throws -> String {
        if let model = self.model { return model }
        let base = self.endpoint.hasSuffix("/embeddings") ? String(self.endpoint.dropLast("/embeddings".count)) : self.endpoint
        struct Models: Decodable {
            struct Model: Decodable { let id: String }
            let data: [Model]
        }
        do {
            let response = try await self.http.execute(HTTPClientRequest(url: base + "/models"), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            if response.status == .ok, let first = try JSONDecoder().decode(Models.self, from: body).data.first { return first.id }
        } catch {
            throw Failure(description: "the embeddings service at \(base) did not answer: \(error)")
        }
        throw Failure(description: "the embeddings service at \(base) lists no model: name one with --embeddings-model")
    }

    /// `vector` scaled to length 1 (for `granary bench meaning`'s synthetic vectors).
    public static func normalizedForBench(_ vector: [Float]) -> [Float] {
        Self.normalized(vector)
    }

    static func normalized(_ vector: [Float]) -> [Float] {
        let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return length > 0 ? vector.map { $0 / length } : vector
    }
}
