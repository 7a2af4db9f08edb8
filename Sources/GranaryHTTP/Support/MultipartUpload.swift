import Foundation
import GranaryModel
import GranaryStore
import Hummingbird
import NIOCore

/// A `multipart/form-data` upload read as it arrives: the `file` part streams into a temporary blob (hashed on the
/// way), the `metadata` part is kept in memory up to a small limit. Memory does not grow with the file.
struct MultipartUpload {
    /// The `metadata` part, if one came.
    var metadata: Data?
    /// The `file` part, written but not yet stored.
    var file: BlobUpload?

    /// Largest `metadata` part accepted.
    static let metadataLimit = 1 << 20
    /// Bytes gathered before one write to disk.
    static let writeChunk = 1 << 20

    /// Reads the whole body. `check` sees the metadata as soon as it is complete, so that bad metadata sent before
    /// the file stops the bytes from being written (they are still read to the end, then the error is thrown).
    static func read(
        _ request: Request,
        blobs: BlobStore,
        maximumFileSize: Int64,
        check: @escaping (Data) throws -> Void = { _ in }
    ) async throws -> MultipartUpload {
        let boundary = try Self.boundary(of: request)
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > maximumFileSize + Int64(Self.metadataLimit) + 64 * 1024 {
            throw Self.tooLarge(maximumFileSize)
        }
        let reader = MultipartReader(boundary: boundary, blobs: blobs, maximumFileSize: maximumFileSize, check: check)
        do {
            for try await chunk in request.body {
                try await reader.consume(chunk)
            }
            return try await reader.finish()
        } catch {
            reader.abandon()
            throw error
        }
    }

    private static func boundary(of request: Request) throws -> String {
        guard let contentType = request.headers[.contentType],
            let mediaType = MediaType(from: contentType),
            mediaType.isType(.multipartForm),
            let boundary = mediaType.parameter?.value,
            mediaType.parameter?.name.lowercased() == "boundary",
            !boundary.isEmpty, boundary.count <= 200
        else {
            throw GranaryError(
                .invalidMultipart,
                LocalizedText(zh: "请以 multipart/form-data 上传（含 boundary）", en: "Upload as multipart/form-data with a boundary")
            )
        }
        return boundary
    }

    static func tooLarge(_ limit: Int64) -> GranaryError {
        GranaryError(
            .payloadTooLarge,
            LocalizedText(zh: "文件超过上传上限 \(limit / (1 << 20)) MiB", en: "The file exceeds the upload limit of \(limit / (1 << 20)) MiB")
        )
    }
}

/// Reads one `multipart/form-data` body (RFC 7578, RFC 2046 §5.1) as its chunks arrive.
///
/// Granary parses multipart itself. MultipartKit 4.7.1, the version available, traps on any header-name byte
/// above 0x7F (an index past its 128-entry table), so one request could stop the service; and it visits every
/// byte through a closure, which held uploads to 145 MB/s. Here the delimiter is found with `memchr` on its one
/// `\r` and `memcmp` on the rest, part headers are read as bounded ASCII/UTF-8 lines, and file bytes go to the
/// blob in large writes.
final class MultipartReader {
    private enum State {
        /// Before the first delimiter: the preamble, ignored.
        case preamble
        /// Just after a delimiter: `--` ends the body, CRLF starts a part.
        case afterDelimiter
        /// Reading a part's header lines.
        case headers
        /// Inside a part's body.
        case body
        /// After the closing delimiter: the epilogue, ignored.
        case epilogue
    }

    private enum Part {
        case metadata
        case file
        case ignored
    }

    /// Longest header section of one part.
    static let headerLimit = 16 * 1024

    /// `\r\n--boundary`: what ends a part.
    private let delimiter: [UInt8]
    private let blobs: BlobStore
    private let maximumFileSize: Int64
    private let check: (Data) throws -> Void

    private var state = State.preamble
    /// Bytes received and not yet consumed; it starts with the CRLF the first delimiter may lack.
    private var buffer = ByteBuffer(string: "\r\n")
    private var part = Part.ignored
    private var partsCompleted = 0
    private var metadataBuffer = ByteBuffer()
    private var metadata: Data?
    private var sawFile = false
    private var file: BlobUpload?
    private var fileSize: Int64 = 0
    /// File bytes not yet handed to the blob upload.
    private var pending = ByteBuffer()
    /// Bad metadata: the rest is read (and not stored), then this is thrown.
    private var deferredError: (any Error)?

    init(boundary: String, blobs: BlobStore, maximumFileSize: Int64, check: @escaping (Data) throws -> Void) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.blobs = blobs
        self.maximumFileSize = maximumFileSize
        self.check = check
    }

    /// Reads one chunk of the request body.
    func consume(_ chunk: ByteBuffer) async throws {
        if self.buffer.readableBytes == 0 {
            self.buffer = chunk
        } else {
            var chunk = chunk
            self.buffer.writeBuffer(&chunk)
        }
        while try self.step() {}
        if self.pending.readableBytes >= MultipartUpload.writeChunk { try await self.flush() }
    }

    /// Checks that the body was complete and hands over what it held.
    func finish() async throws -> MultipartUpload {
        guard case .epilogue = self.state, self.partsCompleted > 0 else {
            throw Self.malformed(zh: "上传内容不完整（缺少结束分隔符）", en: "The multipart body ended before its closing boundary")
        }
        if let deferredError = self.deferredError { throw deferredError }
        if self.sawFile { try await self.flush() }
        return MultipartUpload(metadata: self.metadata, file: self.file)
    }

    /// Deletes whatever file bytes were written.
    func abandon() {
        self.file?.abandon()
    }

    /// Consumes what the buffer allows in the current state; false when more bytes are needed.
    private func step() throws -> Bool {
        switch self.state {
        case .preamble, .body:
            let (clear, complete) = self.buffer.withUnsafeReadableBytes { Self.scan($0, for: self.delimiter) }
            var bytes = self.buffer.readSlice(length: clear)!
            if case .body = self.state { try self.append(&bytes) }
            guard complete else {
                self.compact()
                return false
            }
            self.buffer.moveReaderIndex(forwardBy: self.delimiter.count)
            if case .body = self.state { try self.completePart() }
            self.state = .afterDelimiter
            return true
        case .afterDelimiter:
            // Transport padding (spaces, tabs) may follow a delimiter.
            while let byte = self.buffer.getInteger(at: self.buffer.readerIndex, as: UInt8.self), byte == 0x20 || byte == 0x09 {
                self.buffer.moveReaderIndex(forwardBy: 1)
            }
            guard let pair = self.buffer.getBytes(at: self.buffer.readerIndex, length: 2) else { return false }
            self.buffer.moveReaderIndex(forwardBy: 2)
            switch pair {
            case [0x2D, 0x2D]: self.state = .epilogue
            case [0x0D, 0x0A]: self.state = .headers
            default: throw Self.malformed(zh: "分隔符后的内容有误", en: "Unexpected bytes after a boundary")
            }
            return true
        case .headers:
            // The header section ends with an empty line; its length includes the last line's CRLF.
            let found = self.buffer.withUnsafeReadableBytes { bytes -> Int? in
                guard bytes.count >= 2 else { return nil }
                if bytes[0] == 0x0D, bytes[1] == 0x0A { return 0 }  // a part without headers
                let limit = min(bytes.count, Self.headerLimit + 4)
                guard limit >= 4 else { return nil }
                for index in 0...(limit - 4)
                where bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
                    return index + 2
                }
                return nil
            }
            guard let length = found else {
                guard self.buffer.readableBytes <= Self.headerLimit else {
                    throw Self.malformed(zh: "分段头过长", en: "A part's headers are too long")
                }
                return false
            }
            guard length <= Self.headerLimit else { throw Self.malformed(zh: "分段头过长", en: "A part's headers are too long") }
            let section = self.buffer.readBytes(length: length)!
            self.buffer.moveReaderIndex(forwardBy: 2)
            try self.startPart(headers: Self.headerLines(section))
            self.state = .body
            return true
        case .epilogue:
            self.buffer.clear()
            return false
        }
    }

    /// Drops consumed bytes so the buffer never holds more than a delimiter's worth between chunks.
    private func compact() {
        if self.buffer.readableBytes == 0 {
            self.buffer = ByteBuffer()
        } else {
            self.buffer = ByteBuffer(buffer: self.buffer)
        }
    }

    private func flush() async throws {
        if self.file == nil { self.file = try self.blobs.beginUpload() }
        guard self.pending.readableBytes > 0 else { return }
        // A fresh buffer, so the write in flight keeps the old one without a copy.
        let bytes = self.pending
        self.pending = ByteBuffer()
        try await self.file!.write(bytes)
    }

    // MARK: - Parts

    private func startPart(headers: [(name: String, value: String)]) throws {
        guard let disposition = headers.first(where: { $0.name.lowercased() == "content-disposition" })?.value else {
            throw Self.malformed(zh: "multipart 分段缺少 Content-Disposition", en: "A part has no Content-Disposition")
        }
        switch Self.parameter("name", in: disposition) {
        case "metadata":
            self.part = .metadata
        case "file":
            guard !self.sawFile else { throw Self.malformed(zh: "只能上传一个文件", en: "Only one file part is accepted") }
            // The name is never used for storage (bytes are stored by hash, named from the metadata), but a name
            // that climbs folders or hides control characters is an attack or a broken client: say so.
            let extended = Self.parameter("filename*", in: disposition).map { $0.split(separator: "'", maxSplits: 2).last.map(String.init) ?? $0 }
            for name in [Self.parameter("filename", in: disposition), extended?.removingPercentEncoding ?? extended].compactMap({ $0 }) {
                guard Self.isPlainFileName(name) else {
                    throw Self.malformed(
                        zh: "文件名不能含路径（/、\\、..）或控制字符：请只给出文件本身的名字",
                        en: "The file name may not hold a path (/, \\, ..) or control characters: give the file's own name only"
                    )
                }
            }
            self.sawFile = true
            self.part = .file
        default:
            self.part = .ignored
        }
    }

    private func append(_ bytes: inout ByteBuffer) throws {
        switch self.part {
        case .metadata:
            guard self.metadataBuffer.readableBytes + bytes.readableBytes <= MultipartUpload.metadataLimit else {
                throw GranaryError(.payloadTooLarge, LocalizedText(zh: "元数据超过 1 MiB", en: "The metadata part exceeds 1 MiB"))
            }
            self.metadataBuffer.writeBuffer(&bytes)
        case .file:
            self.fileSize += Int64(bytes.readableBytes)
            guard self.fileSize <= self.maximumFileSize else { throw MultipartUpload.tooLarge(self.maximumFileSize) }
            if self.deferredError == nil { self.pending.writeBuffer(&bytes) }
        case .ignored:
            break
        }
    }

    private func completePart() throws {
        if case .metadata = self.part {
            let data = Data(self.metadataBuffer.readableBytesView)
            self.metadata = data
            do { try self.check(data) } catch { self.deferredError = error }
        }
        self.partsCompleted += 1
        self.part = .ignored
    }

    // MARK: - Syntax

    /// Header lines `Name: value`; names are RFC 9110 tokens, values UTF-8 (file names may be Chinese).
    private static func headerLines(_ section: [UInt8]) throws -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for line in section.split(separator: 0x0A) {
            let line = line.last == 0x0D ? line.dropLast() : line
            guard !line.isEmpty else { continue }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                line[..<colon].allSatisfy(Self.isTokenByte),
                let value = String(validating: line[line.index(after: colon)...], as: UTF8.self)
            else {
                throw Self.malformed(zh: "分段头格式有误", en: "A part header is malformed")
            }
            headers.append((String(decoding: line[..<colon], as: UTF8.self), value.trimmingCharacters(in: .whitespaces)))
        }
        return headers
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// How many leading bytes are certainly not a delimiter, and whether a whole delimiter follows them.
    /// When none follows, the remaining bytes (fewer than a delimiter) may begin one and wait for the next chunk.
    static func scan(_ bytes: UnsafeRawBufferPointer, for delimiter: [UInt8]) -> (clear: Int, complete: Bool) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return (0, false) }
        var start = 0
        while start < bytes.count, let found = memchr(base + start, 13, bytes.count - start) {
            let index = base.distance(to: UnsafeRawPointer(found))
            let available = min(delimiter.count, bytes.count - index)
            let matches = delimiter.withUnsafeBytes { memcmp(base + index, $0.baseAddress!, available) == 0 }
            if matches { return (index, available == delimiter.count) }
            start = index + 1
        }
        return (bytes.count, false)
    }

    /// A file's own name: no folder separators, not `.` or `..`, no control characters (NUL included), at most 255
    /// bytes. An empty name (a form sent without a file chosen) passes.
    static func isPlainFileName(_ name: String) -> Bool {
        name.utf8.count <= 255 && name != "." && name != ".."
            && !name.unicodeScalars.contains { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// A parameter of a header value such as `form-data; name="file"; filename="a.png"`.
    static func parameter(_ name: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    private static func malformed(zh: String, en: String) -> GranaryError {
        GranaryError(.invalidMultipart, LocalizedText(zh: zh, en: en))
    }
}
