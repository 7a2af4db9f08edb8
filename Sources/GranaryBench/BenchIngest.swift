import ArgumentParser
import Crypto
import Foundation
import GranaryModel
import GranaryStore

extension Bench {
    /// `granary bench ingest`: streamed uploads over HTTP against a durable single-pass hash + write + fsync, and
    /// libmagic detection against python-magic.
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload large files to a live service; compare with single-pass SHA-256 + write + fsync and with python-magic."
        )

        @Option(help: "File sizes in MiB, comma-separated.")
        var sizes: String = "100,1024"

        @Option(help: "Rounds; figures are medians over rounds.")
        var rounds: Int = 3

        @Option(help: "Scratch folder (source files, a data folder, anchor output).")
        var work: String = "/tmp/granary-bench"

        @Option(help: "The shared anchor script; its py_1pass and make_small_files are used when python3 can import it.")
        var anchorScript: String = "../shared/bench/upload_bench.py"

        @Option(help: "Small files for the libmagic comparison.")
        var magicFiles: Int = 1000

        @Option(help: "Folder of the shipped vocabularies.")
        var metadata: String = "Metadata"

        func run() async throws {
            let sizes = self.sizes.split(separator: ",").compactMap { Int($0) }
            try FileManager.default.createDirectory(atPath: self.work, withIntermediateDirectories: true)
            let server = try await BenchServer.start(work: self.work, metadata: self.metadata)
            defer { server.stop() }
            let pythonAnchor = FileManager.default.fileExists(atPath: self.anchorScript)

            var results: [[String: Any]] = []
            print("size     round  granary MB/s  anchor-swift MB/s  anchor-py MB/s  server peak RSS growth")
            for size in sizes {
                let source = try Self.sourceFile(work: self.work, megabytes: size)
                var ratios: [Double] = []
                var rows: [[String: Double]] = []
                for round in 1...self.rounds {
                    let swiftAnchor = try Self.singlePass(source: source, objects: self.work + "/anchor-objects")
                    let pyAnchor =
                        pythonAnchor ? try Self.pythonSinglePass(script: self.anchorScript, source: source, objects: self.work + "/anchor-py") : nil
                    let upload = try server.upload(file: source)
                    let megabytes = Double(size)
                    let row: [String: Double] = [
                        "granary_MBps": megabytes / upload.seconds,
                        "anchor_swift_MBps": megabytes / swiftAnchor,
                        "anchor_py_MBps": pyAnchor.map { megabytes / $0 } ?? 0,
                        "rss_growth_MiB": Double(upload.peakGrowthKiB) / 1024,
                    ]
                    rows.append(row)
                    let anchor = max(row["anchor_swift_MBps"]!, row["anchor_py_MBps"]!)
                    ratios.append(row["granary_MBps"]! / anchor)
                    print(
                        String(
                            format: "%5d MB %5d %13.1f %18.1f %15.1f %17.1f MiB",
                            size,
                            round,
                            row["granary_MBps"]!,
                            row["anchor_swift_MBps"]!,
                            row["anchor_py_MBps"]!,
                            row["rss_growth_MiB"]!
                        )
                    )
                }
                let ratio = ratios.sorted()[ratios.count / 2]
                let growth = rows.map { $0["rss_growth_MiB"]! }.max() ?? 0
                print(
                    String(
                        format: "%5d MB median ratio granary / best anchor = %.2f (target >= 0.50); max RSS growth %.1f MiB (target <= 64)",
                        size,
                        ratio,
                        growth
                    )
                )
                results.append(["sizeMB": size, "rounds": rows, "medianRatio": ratio, "maxRSSGrowthMiB": growth])
            }

            let magic = try await Self.magicComparison(work: self.work, script: pythonAnchor ? self.anchorScript : nil, count: self.magicFiles)
            print(magic.summary)
            let report: [String: Any] = ["ingest": results, "magic": magic.json]
            let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: json, as: UTF8.self))
        }

        /// A file of random bytes of the given size, reused across runs; read once so it sits in the page cache.
        static func sourceFile(work: String, megabytes: Int) throws -> String {
            let path = "\(work)/src_\(megabytes)M.bin"
            let expected = UInt64(megabytes) << 20
            if (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) != expected {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                var generator = SystemRandomNumberGenerator()
                for _ in 0..<megabytes {
                    let chunk = (0..<(1 << 17)).map { _ in generator.next() as UInt64 }
                    try chunk.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
                }
                try handle.close()
            }
            _ = try Self.singlePass(source: path, objects: nil)
            return path
        }

        /// The anchor: read 1 MiB at a time, SHA-256 it and write it, fsync, rename into `objects/ab/<rest>`.
        /// Without `objects` it only reads and hashes (to warm the page cache).
        static func singlePass(source: String, objects: String?) throws -> Double {
            let start = ContinuousClock.now
            let input = open(source, O_RDONLY)
            guard input >= 0 else { throw BenchError("cannot open \(source)") }
            defer { close(input) }
            var output: Int32 = -1
            var temporary = ""
            if let objects {
                try? FileManager.default.removeItem(atPath: objects)
                try FileManager.default.createDirectory(atPath: objects, withIntermediateDirectories: true)
                temporary = objects + "/incoming.tmp"
                output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
            var hasher = SHA256()
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                buffer.withUnsafeBytes { bytes in
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                    hasher.update(bufferPointer: slice)
                    if output >= 0 { _ = write(output, slice.baseAddress, count) }
                }
            }
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            if let objects {
                fsync(output)
                close(output)
                try FileManager.default.createDirectory(atPath: "\(objects)/\(digest.prefix(2))", withIntermediateDirectories: true)
                rename(temporary, "\(objects)/\(digest.prefix(2))/\(digest.dropFirst(2))")
            }
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }

        /// The shared script's own `py_1pass` on the same file.
        static func pythonSinglePass(script: String, source: String, objects: String) throws -> Double? {
            try? FileManager.default.removeItem(atPath: objects)
            try FileManager.default.createDirectory(atPath: objects, withIntermediateDirectories: true)
            let folder = URL(fileURLWithPath: script).deletingLastPathComponent().path
            let output = try runProgram("/usr/bin/env", ["python3", try BenchScripts.path("upload_single_pass.py"), folder, source, objects])
            return Double(output.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        /// libmagic through Granary's inspector against python-magic's `from_file` on the anchor's small files.
        static func magicComparison(work: String, script: String?, count: Int) async throws -> (summary: String, json: [String: Any]) {
            let folder = work + "/small"
            var pythonMedian: Double?
            if let script {
                let scriptFolder = URL(fileURLWithPath: script).deletingLastPathComponent().path
                pythonMedian = Double(
                    try runProgram("/usr/bin/env", ["python3", try BenchScripts.path("magic_anchor.py"), scriptFolder, folder, String(count)])
                        .trimmingCharacters(
                            in: .whitespacesAndNewlines
                        )
                )
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder), !names.isEmpty else {
                return ("libmagic: no small files (the anchor script was not found)", [:])
            }
            let inspector = ContentInspector()
            let paths = names.sorted().map { folder + "/" + $0 }
            _ = try inspector.mimeTypeBlocking(ofFileAt: paths[0])
            var latencies: [Double] = []
            var kinds: [String: Set<String>] = [:]
            for path in paths {
                let start = ContinuousClock.now
                let mime = try inspector.mimeTypeBlocking(ofFileAt: path)
                let elapsed = ContinuousClock.now - start
                latencies.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
                kinds[String(path.split(separator: ".").last!), default: []].insert(mime)
            }
            latencies.sort()
            let median = latencies[latencies.count / 2]
            var summary = String(format: "libmagic per file (from_file, %d files): granary median %.1f µs", paths.count, median)
            if let pythonMedian {
                summary += String(format: ", python-magic median %.1f µs, ratio %.2f (target <= 1.5)", pythonMedian, median / pythonMedian)
            } else {
                summary += "; python-magic is not installed (pip install python-magic) so there is no anchor"
            }
            let detected = kinds.mapValues { $0.sorted() }
            return (summary, ["granaryMedianMicros": median, "pythonMagicMedianMicros": pythonMedian ?? NSNull(), "detected": detected])
        }
    }
}
