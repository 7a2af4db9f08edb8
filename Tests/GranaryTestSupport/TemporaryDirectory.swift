import Foundation

/// Fresh folders under the system's temporary directory that are removed, with everything in them, when the code
/// that uses them ends, so test runs leave nothing behind.
public enum TemporaryDirectory {
    /// Runs `body` with a new folder `granary-<label>-<uuid>`, and removes the folder when it returns or throws.
    public static func with<T>(_ label: String, _ body: (_ path: String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("granary-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }
}

/// Folders for tests whose folder must outlive the code that made it (a library reopened after a restart): all live
/// in one folder per test run, removed when the run ends.
public enum TestFolders {
    /// The run's folder, `granary-tests-<pid>`.
    public static let root: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("granary-tests-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestFolders.root) }
        return path
    }()

    /// A new path `<root>/<label>-<uuid>` (not created).
    public static func make(_ label: String) -> String {
        Self.root + "/\(label)-\(UUID().uuidString)"
    }
}
