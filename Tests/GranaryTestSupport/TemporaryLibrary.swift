import Foundation
import GranaryModel
import GranaryStore

/// Real libraries, with the shipped metadata and the real migrations, in temporary folders.
public enum TemporaryLibrary {
    /// The repository's `Metadata` folder.
    public static let metadataDirectory =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Metadata"

    /// Runs `body` with a new library of GranaryStore's tables and those of `schemas` (bcrypt at its lowest cost, so
    /// accounts are made fast; blobs in the test object store when `GRANARY_TEST_BLOBS=s3`, the database on the test
    /// PostgreSQL server when `GRANARY_TEST_DATABASE=postgresql`); its folder is removed
    /// when `body` returns or throws.
    public static func with<T>(_ label: String = "lib", schemas: [TableSchema], _ body: (Library) async throws -> T) async throws -> T {
        try await TemporaryDirectory.with(label) { path in
            try await body(
                try Library(
                    dataDirectory: path,
                    metadataDirectory: Self.metadataDirectory,
                    options: .init(
                        bcryptCost: 4,
                        blobBackend: try TestObjectStore.defaultBackend(forLibraryIn: path),
                        database: try await TestDatabase.defaultDatabase(forLibraryIn: path, schemas: schemas)
                    ),
                    schemas: schemas
                )
            )
        }
    }

    /// A teacher `zhang` (password `Passw0rd-123`) and the major 460110 with the course `weld`.
    @discardableResult
    public static func seedTeacherAndCourse(_ library: Library) async throws -> User {
        let teacher = try await library.accounts.createUser(
            username: "zhang",
            password: "Passw0rd-123",
            displayName: nil,
            role: .teacher,
            institution: "测试学院",
            actor: "test"
        )
        _ = try await library.catalogue.createMajor(code: "460110", name: nil, level: nil, role: .core, actor: "test")
        _ = try await library.catalogue.createCourse(
            id: "weld",
            name: "焊接方法与设备",
            major: "460110",
            category: .core,
            hours: 96,
            standard: nil,
            actor: "test"
        )
        return teacher
    }
}
