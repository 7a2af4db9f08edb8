import Foundation
import GranaryModel
import GranarySchema
import GranaryStore

/// A `granary serve` child process on a scratch data folder, with one teacher logged in.
struct BenchServer {
    let process: Process
    let port: Int
    let token: String
    let metadataFile: String
    /// From starting the process to its first answer on /health (the search index is built before the port opens).
    let startSeconds: Double

    /// Waits (at most ten minutes) until the start-up integrity check, which reads the whole database on one core,
    /// has finished, so that it does not run beside what is timed: at 200,000 resources it takes two to three
    /// minutes, and a minute's wait left it halving the first routes' figures.
    func waitForIntegrityCheck() async throws {
        let started = Date()
        for _ in 0..<6_000 {
            if let health = try? runProgram("/usr/bin/curl", ["-s", "http://127.0.0.1:\(self.port)/api/v1/health"]),
                health.contains(#""integrity":"ok""#)
            {
                print(String(format: "integrity check done %.0f s after /health answered", Date().timeIntervalSince(started)))
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        print("the integrity check had not finished after ten minutes: the figures below ran beside it")
    }

    /// Starts the server on a fresh data folder after `prepare` has filled it; logs in as `bench` with `role`.
    static func start(
        work: String,
        metadata: String,
        role: Role = .teacher,
        arguments: [String] = [],
        prepare: (Library) async throws -> Void = { _ in }
    ) async throws -> BenchServer {
        let data = work + "/data"
        try? FileManager.default.removeItem(atPath: data)
        let library = try Library(dataDirectory: data, metadataDirectory: metadata, options: .init(bcryptCost: 4), schemas: .all)
        _ = try await library.accounts.createUser(
            username: "bench",
            password: "bench-password",
            displayName: nil,
            role: role,
            institution: nil,
            actor: "bench",
            checkingPolicy: false
        )
        // A reviewer or admin logs in with two steps, as the service has every such account do.
        let totp = library.accounts.twoFactorRoles.contains(role) ? try await library.accounts.enrolTwoFactor(username: "bench", actor: "bench") : nil
        _ = try await library.catalogue.createMajor(code: "460110", name: nil, level: nil, role: .core, actor: "bench")
        _ = try await library.catalogue.createCourse(
            id: "c1",
            name: "焊接方法与设备",
            major: "460110",
            category: .core,
            hours: nil,
            standard: nil,
            actor: "bench"
        )
        _ = try await library.catalogue.createPoint(id: "p1", name: "焊接电弧", course: "c1", kind: .knowledge, prerequisites: [], actor: "bench")
        let metadataFile = work + "/metadata.json"
        try Data(#"{"title":"基准上传","major":"460110","course":"c1","knowledgePoints":["p1"],"original":true}"#.utf8)
            .write(to: URL(fileURLWithPath: metadataFile))
        try await prepare(library)
        return try await Self.launch(data: data, metadata: metadata, arguments: arguments, username: "bench", totp: totp, metadataFile: metadataFile)
    }

    /// Starts `granary serve` on a library that is already there and logs in as `username` (with a code of `totp`
    /// when the account logs in with two steps).
    static func launch(
        data: String,
        metadata: String,
        arguments: [String],
        username: String,
        totp: TOTP? = nil,
        metadataFile: String = ""
    ) async throws -> BenchServer {
        let port = Int.random(in: 20_000..<60_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments =
            [
                "serve", "--data", data, "--metadata", metadata, "--port", String(port), "--max-upload-mb", "8192", "--log-level", "warning",
            ] + arguments
        process.standardOutput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        // At 200,000 resources the search index alone takes 30–40 s to build, and a migration adds to it.
        for _ in 0..<3600 {
            if (try? runProgram("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/api/v1/health"])) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let startSeconds = Bench.Review.seconds(ContinuousClock.now - started)
        guard let token = try? Self.login(port: port, username: username, totp: totp) else {
            process.terminate()
            throw BenchError("could not log in to the bench server")
        }
        return BenchServer(process: process, port: port, token: token, metadataFile: metadataFile, startSeconds: startSeconds)
    }

    /// Logs in as `username` (password `bench-password`, and the current code of `totp` for an account that logs in
    /// with two steps) and returns the session token.
    static func login(port: Int, username: String, totp: TOTP? = nil) throws -> String {
        let code = totp.map { #","totp":"\#($0.code(counter: TOTP.counter(at: Date())))""# } ?? ""
        let session = try runProgram(
            "/usr/bin/curl",
            [
                "-sf", "-H", "Content-Type: application/json", "-d", #"{"username":"\#(username)","password":"bench-password"\#(code)}"#,
                "http://127.0.0.1:\(port)/api/v1/sessions",
            ]
        )
        guard let object = try JSONSerialization.jsonObject(with: Data(session.utf8)) as? [String: Any], let token = object["token"] as? String else {
            throw BenchError("could not log in as \(username)")
        }
        return token
    }

    /// Uploads one file with curl; returns the wall time and the server's peak resident memory growth during it.
    func upload(file: String) throws -> (seconds: Double, peakGrowthKiB: Int) {
        let pid = self.process.processIdentifier
        // Writing 5 to clear_refs resets the peak (VmHWM) to the current resident size.
        try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        let before = Self.status(pid: pid, field: "VmRSS")
        let start = ContinuousClock.now
        let code = try runProgram(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:", "-H", "Authorization: Bearer \(self.token)",
                "-F", "metadata=<\(self.metadataFile);type=application/json", "-F", "file=@\(file)",
                "http://127.0.0.1:\(self.port)/api/v1/resources",
            ]
        )
        let elapsed = ContinuousClock.now - start
        guard code == "201" else { throw BenchError("upload answered \(code)") }
        let peak = Self.status(pid: pid, field: "VmHWM")
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, max(0, peak - before))
    }

    /// Gives `username` a new authenticator secret with `granary users totp` (on the library `storage` names: `--data`,
    /// `--metadata`, and `--database` for another engine), as an operator would, and returns it.
    static func enrolTwoFactor(username: String, storage: [String]) throws -> TOTP {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let output = try runProgram(
            FileManager.default.isExecutableFile(atPath: executable)
                ? executable : URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
            ["users", "totp", "--username", username] + storage
        )
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("totp-secret: ") }),
            let secret = Base32.decode(String(line.dropFirst("totp-secret: ".count)))
        else { throw BenchError("granary users totp printed no secret for \(username): \(output)") }
        return TOTP(secret: secret)
    }

    func stop() {
        self.process.terminate()
        self.process.waitUntilExit()
    }

    /// A `kB` field of /proc/PID/status.
    static func status(pid: Int32, field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program and returns what it printed; fails on a non-zero exit.
@discardableResult
func runProgram(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchError("\(executable) \(arguments.first ?? "") exited with \(process.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}
