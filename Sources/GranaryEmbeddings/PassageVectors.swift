import Foundation
import GRDB
import GranaryModel
import GranaryStore

extension TableSchema {
    /// The passages of published resources and their vectors (语义检索), one row per passage of the version the public
    /// sees; `digest` is the SHA-256 of the text they were cut from, so a change of text means embedding again.
    public static let embeddings = TableSchema(
        target: "embeddings",
        migrations: [
            .init("1 passages and their vectors") { db in
                try db.execute(sql: PassageVectors.schemaSQL)
            }
        ],
        postgresql: [
            .init("1 passages and their vectors", sql: PassageVectors.schemaSQL)
        ]
    )
}

/// The stored passages and vectors.
public struct PassageVectors: Sendable {
    public static let schemaSQL = """
        CREATE TABLE passageVectors (
            resource TEXT NOT NULL REFERENCES resources(id),
            position INTEGER NOT NULL CHECK (position >= 0),
            digest TEXT NOT NULL,
            model TEXT NOT NULL,
            text TEXT NOT NULL,
            vector TEXT NOT NULL,
            PRIMARY KEY (resource, position)
        );
        """

    /// One passage with its vector.
    public struct Passage: Sendable, Equatable {
        public let position: Int
        public let text: String
        public let vector: [Float]
    }

    let database: LibraryDatabase

    public init(database: LibraryDatabase) {
        self.database = database
    }

    /// Every stored vector of `model`, resource by resource, handed over in batches; and each resource's digest.
    func load(
        model: String,
        _ each: @escaping @Sendable ([(resource: String, passages: [(position: Int, vector: [Float])])]) -> Void
    ) async throws -> [String: String] {
        try await self.database.read { db in
            var digests: [String: String] = [:]
            var batch: [(resource: String, passages: [(position: Int, vector: [Float])])] = []
            let rows = try db.fetchCursor(
                sql: "SELECT resource, position, digest, vector FROM passageVectors WHERE model = ? ORDER BY resource, position",
                arguments: [model]
            )
            while let row = try rows.next() {
                let resource: String = row["resource"]
                let vector = Self.decode(row["vector"])
                if batch.last?.resource == resource {
                    batch[batch.count - 1].passages.append((row["position"], vector))
                } else {
                    if batch.count >= 500 {
                        each(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                    batch.append((resource, [(row["position"], vector)]))
                    digests[resource] = row["digest"]
                }
            }
            if !batch.isEmpty { each(batch) }
            return digests
        }
    }

    /// Replaces `resource`'s passages.
    func store(_ resource: String, digest: String, model: String, passages: [Passage]) async throws {
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM passageVectors WHERE resource = ?", arguments: [resource])
            for passage in passages {
                try db.execute(
                    sql: "INSERT INTO passageVectors (resource, position, digest, model, text, vector) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [resource, passage.position, digest, model, passage.text, Self.encode(passage.vector)]
                )
            }
        }
    }

    /// Forgets `resource`'s passages (it is no longer published).
    func remove(_ resource: String) async throws {
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM passageVectors WHERE resource = ?", arguments: [resource])
        }
    }

    /// The text of these passages, by resource and position.
    func texts(_ keys: [(resource: String, position: Int)]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        return try await self.database.read { db in
            var texts: [String: String] = [:]
            for key in keys {
                if let text = try db.fetchOne(
                    String.self,
                    sql: "SELECT text FROM passageVectors WHERE resource = ? AND position = ?",
                    arguments: [key.resource, key.position]
                ) {
                    texts["\(key.resource)#\(key.position)"] = text
                }
            }
            return texts
        }
    }

    /// Little-endian 32-bit floats in Base64: the same text on SQLite and PostgreSQL.
    static func encode(_ vector: [Float]) -> String {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data.base64EncodedString()
    }

    static func decode(_ text: String) -> [Float] {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return [] }
        return stride(from: 0, to: data.count, by: 4).map { offset in
            Float(
                bitPattern: UInt32(
                    littleEndian: data[data.startIndex + offset..<data.startIndex + offset + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                )
            )
        }
    }
}
