import Foundation
import GRDB
import GranaryHTTP
import GranaryModel
import GranarySchema
import GranaryTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import GranaryStore

/// A real library in a fresh temporary folder, with the shipped metadata, and the real application over it.
struct TestLibrary {
    let directory: String
    let library: Library
    var configuration: AppConfiguration

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .path
    static let metadataDirectory = repositoryRoot + "/Metadata"
    static let fixturesDirectory = repositoryRoot + "/Tests/Fixtures"

    /// A library in `directory` (a new folder if nil), its blobs in `blobBackend`, or in the test object store with
    /// `GRANARY_TEST_BLOBS=s3`, or in the folder; its database on the test PostgreSQL server with
    /// `GRANARY_TEST_DATABASE=postgresql`.
    ///
    /// Its admins and reviewers log in with a password alone unless `twoFactorRoles` says otherwise: the service
    /// always asks them for an authenticator code (`Accounts.defaultTwoFactorRoles`), and `TwoFactorTests` test that
    /// with the service's rule; the other tests are about other things and log in as often as they like.
    init(
        directory: String? = nil,
        maximumUploadSize: Int64 = 64 << 20,
        tokenLifetime: TimeInterval = 3600,
        idleTimeout: TimeInterval = Accounts.defaultIdleTimeout,
        clock: LibraryClock = .system,
        blobBackend: (any BlobBackend)? = nil,
        twoFactorRoles: Set<Role> = [],
        sealingKey: SealingKey? = nil
    ) async throws {
        let directory = directory ?? TestFolders.make("test")
        self.directory = directory
        self.library = try Library(
            dataDirectory: directory,
            metadataDirectory: Self.metadataDirectory,
            options: .init(
                bcryptCost: 4,
                tokenLifetime: tokenLifetime,
                idleTimeout: idleTimeout,
                clock: clock,
                blobBackend: try blobBackend ?? TestObjectStore.defaultBackend(forLibraryIn: directory),
                database: try await TestDatabase.defaultDatabase(forLibraryIn: directory, schemas: .all, clock: clock),
                twoFactorRoles: twoFactorRoles,
                sealingKey: sealingKey
            ),
            schemas: .all
        )
        self.configuration = AppConfiguration(
            port: 0,
            maximumUploadSize: maximumUploadSize,
            metadataDirectory: Self.metadataDirectory,
            logLevel: .critical
        )
    }

    /// Builds the application and runs `test` against its router.
    func test<Value: Sendable>(
        _ setup: TestingSetup = .router,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = try await buildApplication(library: self.library, configuration: self.configuration)
        return try await app.test(setup) { client in try await test(client) }
    }

    /// A teacher, reviewer, admin or learner account with the password `Passw0rd-123`.
    @discardableResult
    func addUser(_ username: String, _ role: Role) async throws -> User {
        try await self.library.accounts.createUser(
            username: username,
            password: "Passw0rd-123",
            displayName: nil,
            role: role,
            institution: "测试学院",
            actor: "test"
        )
    }

    /// The demo's major, two courses and their points, created through the store.
    func seedCatalogue() async throws {
        let catalogue = self.library.catalogue
        _ = try await catalogue.createMajor(code: "460110", name: nil, level: nil, role: .core, actor: "test")
        _ = try await catalogue.createCourse(id: "weld", name: "焊接方法与设备", major: "460110", category: .core, hours: 96, standard: nil, actor: "test")
        _ = try await catalogue.createCourse(id: "check", name: "焊接质量检验", major: "460110", category: .core, hours: 64, standard: nil, actor: "test")
        _ = try await catalogue.createPoint(id: "arc", name: "焊接电弧", course: "weld", kind: .knowledge, prerequisites: [], actor: "test")
        _ = try await catalogue.createPoint(id: "gmaw", name: "熔化极气体保护焊", course: "weld", kind: .skill, prerequisites: ["arc"], actor: "test")
        _ = try await catalogue.createPoint(id: "ut", name: "超声检测", course: "check", kind: .skill, prerequisites: [], actor: "test")
    }

    /// Names of the stored blobs (`ab/cd/<sha256>`), wherever the library keeps them.
    func blobFiles() async throws -> [String] {
        try await self.library.blobs.backend.list().map(\.name)
    }

    /// The bytes stored under a digest, wherever the library keeps them.
    func storedBytes(_ sha256: String) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in try await self.library.blobs.read(sha256: sha256) { bytes += buffer.readableBytesView }
        return bytes
    }

    /// Rows of a table.
    func count(_ table: String) async throws -> Int {
        try await self.library.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }
}

/// Metadata that satisfies every rule for the seeded catalogue.
let validMetadata = #"{"title":"电弧特性讲解","major":"460110","course":"weld","knowledgePoints":["arc"],"original":true}"#

/// The bytes of a file in Tests/Fixtures.
func fixture(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: TestLibrary.fixturesDirectory + "/" + name)))
}

/// A multipart/form-data body with an optional `metadata` part and an optional `file` part.
func multipart(
    metadata: String?,
    file: [UInt8]?,
    fileName: String = "upload.bin",
    boundary: String = "granary-boundary-7MA4YWxk"
) -> (
    body: ByteBuffer, contentType: String
) {
    var buffer = ByteBuffer()
    if let metadata {
        buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n")
        buffer.writeString(metadata)
        buffer.writeString("\r\n")
    }
    if let file {
        buffer.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        buffer.writeBytes(file)
        buffer.writeString("\r\n")
    }
    buffer.writeString("--\(boundary)--\r\n")
    return (buffer, "multipart/form-data; boundary=\(boundary)")
}

extension TestClientProtocol {
    /// Logs in and returns the bearer token.
    func logIn(_ username: String, password: String = "Passw0rd-123") async throws -> String {
        let response = try await self.executeRequest(
            uri: "/api/v1/sessions",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        )
        #expect(response.status == .created)
        let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(response.body.readableBytesView))
        guard case .string(let token) = body["token"] else { throw TestFailure("no token in \(response.body.string)") }
        return token
    }

    /// A request with a bearer token and an optional JSON body.
    func call(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = nil,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await self.executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Uploads `file` with `metadata` as a new resource (or, with `to`, as a new version of it).
    func upload(_ file: [UInt8]?, metadata: String?, token: String, to id: String? = nil) async throws -> TestResponse {
        let (body, contentType) = multipart(metadata: metadata, file: file)
        return try await self.executeRequest(
            uri: id.map { "/api/v1/resources/\($0)/content" } ?? "/api/v1/resources",
            method: id == nil ? .post : .put,
            headers: [.authorization: "Bearer \(token)", .contentType: contentType],
            body: body
        )
    }
}

extension TestResponse {
    /// The body decoded as `T` (API encoding: ISO 8601 dates).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(self.body.readableBytesView))
    }

    /// The problem document of an error response, checked to be problem+json.
    func problem() throws -> ProblemBody {
        #expect(self.headers[.contentType]?.hasPrefix("application/problem+json") == true)
        return try self.decode(ProblemBody.self)
    }
}

extension ByteBuffer {
    var string: String { String(buffer: self) }
}

/// What a client reads from an error response.
struct ProblemBody: Decodable {
    struct Field: Decodable {
        let field: String
        let message: String
    }

    let type: String
    let title: String
    let status: Int
    let detail: String
    let code: String
    let errors: [Field]
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestLibrary {
    /// Publishes the current version of a resource as a passed review would (the review queue is its own issue).
    /// Publishes as an approving review would, event and all: the search index learns of a publication from the
    /// change feed, and one it missed (read as a draft just before) would keep the resource out of its answers.
    func publish(_ id: String) async throws {
        try await self.library.database.write { db in
            try ReviewedItems.resources.publishCurrentVersion(db, id: id)
            try EventLog.record(db, actor: "test", action: "resource.approved", itemType: "resource", itemId: id, at: Date())
        }
    }
}

extension TestLibrary {
    /// A library with the seeded catalogue and these accounts (password `Passw0rd-123`).
    static func seeded(_ users: [(String, Role)] = [("zhang", .teacher)], maximumUploadSize: Int64 = 64 << 20) async throws -> TestLibrary {
        let lib = try await TestLibrary(maximumUploadSize: maximumUploadSize)
        for (username, role) in users { try await lib.addUser(username, role) }
        try await lib.seedCatalogue()
        return lib
    }
}
