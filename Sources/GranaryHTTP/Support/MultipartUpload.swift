import Foundation
import GranaryModel
import GranaryStore
import Hummingbird
import MultipartKit
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

/// The state of one multipart body being read.
///
/// MultipartKit's parser is the authority on the structure: part headers, delimiters, the end. It looks at every
/// byte on its own, though, which makes a large file crawl; so once the parser is known to be inside the `file`
/// part's body, whole runs of bytes that cannot hold a delimiter go straight to the file, and the parser is handed
/// the body again from the first place a delimiter may start. Its state is the same as if it had read every byte.
final class MultipartReader {
    private enum Part {
        case metadata
        case file
        case ignored
    }

    private let parser: MultipartParser
    /// `\r\n--boundary`: what ends a part.
    private let delimiter: [UInt8]
    private let blobs: BlobStore
    private let maximumFileSize: Int64
    private let check: (Data) throws -> Void

    private var part: Part?
    private var headers: [(String, String)] = []
    private var bodySeen = false
    private var partsCompleted = 0
    private var metadataBuffer = ByteBuffer()
    private var metadata: Data?
    private var sawFile = false
    private var file: BlobUpload?
    private var fileSize: Int64 = 0
    /// File bytes not yet handed to the blob upload.
    private var pending = ByteBuffer()
    /// A structural error found inside a parser callback, thrown once the callback returns.
    private var error: (any Error)?
    /// Bad metadata: the rest is read (and not stored), then this is thrown.
    private var deferredError: (any Error)?
    /// Whether file bytes are bypassing the parser.
    private var bypassing = false
    /// Bytes at the end of the last chunk that may begin a delimiter.
    private var carry = ByteBuffer()

    init(boundary: String, blobs: BlobStore, maximumFileSize: Int64, check: @escaping (Data) throws -> Void) {
        self.parser = MultipartParser(boundary: boundary)
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.blobs = blobs
        self.maximumFileSize = maximumFileSize
        self.check = check
        self.parser.onHeader = { [unowned self] name, value in self.headers.append((name, value)) }
        self.parser.onBody = { [unowned self] bytes in self.body(&bytes) }
        self.parser.onPartComplete = { [unowned self] in self.partComplete() }
    }

    /// Reads one chunk of the request body.
    func consume(_ chunk: ByteBuffer) async throws {
        var chunk = chunk
        if self.bypassing {
            if self.carry.readableBytes > 0 {
                var joined = self.carry
                joined.writeBuffer(&chunk)
                chunk = joined
                self.carry = ByteBuffer()
            }
            let (clear, complete) = chunk.withUnsafeReadableBytes { Self.scan($0, for: self.delimiter) }
            var body = chunk.readSlice(length: clear)!
            self.appendFile(&body)
            if complete {
                self.bypassing = false
                try self.execute(chunk)
            } else {
                self.carry = chunk
            }
        } else {
            try self.execute(chunk)
            self.bypassing = self.part == .file && self.bodySeen && self.error == nil && self.parserIsInBody(after: chunk)
        }
        if let error = self.error { throw error }
        if self.pending.readableBytes >= MultipartUpload.writeChunk { try await self.flush() }
    }

    /// Checks that the body was complete and hands over what it held.
    func finish() async throws -> MultipartUpload {
        guard self.partsCompleted > 0, self.part == nil, self.headers.isEmpty, !self.bypassing else {
            throw GranaryError(
                .invalidMultipart,
                LocalizedText(zh: "上传内容不完整（缺少结束分隔符）", en: "The multipart body ended before its closing boundary")
            )
        }
        if let deferredError = self.deferredError { throw deferredError }
        if self.sawFile { try await self.flush() }
        return MultipartUpload(metadata: self.metadata, file: self.file)
    }

    /// Deletes whatever file bytes were written.
    func abandon() {
        self.file?.abandon()
    }

    private func execute(_ chunk: ByteBuffer) throws {
        do {
            try self.parser.execute(chunk)
        } catch {
            throw GranaryError(.invalidMultipart, LocalizedText(zh: "multipart 内容格式有误", en: "The multipart body is malformed"))
        }
        if let error = self.error { throw error }
    }

    private func flush() async throws {
        if self.file == nil { self.file = try self.blobs.beginUpload() }
        guard self.pending.readableBytes > 0 else { return }
        // A fresh buffer, so the write in flight keeps the old one without a copy.
        let bytes = self.pending
        self.pending = ByteBuffer()
        try await self.file!.write(bytes)
    }

    // MARK: - Parser callbacks

    private func body(_ bytes: inout ByteBuffer) {
        guard self.error == nil else { return }
        guard let part = self.currentPart() else { return }
        self.bodySeen = true
        switch part {
        case .metadata:
            guard self.metadataBuffer.readableBytes + bytes.readableBytes <= MultipartUpload.metadataLimit else {
                self.error = GranaryError(.payloadTooLarge, LocalizedText(zh: "元数据超过 1 MiB", en: "The metadata part exceeds 1 MiB"))
                return
            }
            self.metadataBuffer.writeBuffer(&bytes)
        case .file:
            self.appendFile(&bytes)
        case .ignored:
            break
        }
    }

    private func partComplete() {
        guard self.error == nil, let part = self.currentPart() else { return }
        switch part {
        case .metadata:
            let data = Data(self.metadataBuffer.readableBytesView)
            self.metadata = data
            do { try self.check(data) } catch { self.deferredError = error }
        case .file, .ignored:
            break
        }
        self.partsCompleted += 1
        self.part = nil
        self.headers = []
        self.bodySeen = false
    }

    private func appendFile(_ bytes: inout ByteBuffer) {
        self.fileSize += Int64(bytes.readableBytes)
        guard self.fileSize <= self.maximumFileSize else {
            self.error = MultipartUpload.tooLarge(self.maximumFileSize)
            return
        }
        if self.deferredError == nil { self.pending.writeBuffer(&bytes) }
    }

    /// The part whose headers were just read, decided on its first byte (or its end, when it is empty).
    private func currentPart() -> Part? {
        if let part = self.part { return part }
        guard let disposition = self.headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1 else {
            self.error = GranaryError(
                .invalidMultipart,
                LocalizedText(zh: "multipart 分段缺少 Content-Disposition", en: "A part has no Content-Disposition")
            )
            return nil
        }
        switch Self.parameter("name", in: disposition) {
        case "metadata":
            self.part = .metadata
        case "file":
            guard !self.sawFile else {
                self.error = GranaryError(.invalidMultipart, LocalizedText(zh: "只能上传一个文件", en: "Only one file part is accepted"))
                return nil
            }
            self.sawFile = true
            self.part = .file
        default:
            self.part = .ignored
        }
        return self.part
    }

    // MARK: - Delimiter search

    /// Whether the parser, having just read `chunk` inside a part's body, is in its plain body state rather than
    /// partway through (or just past) a delimiter. The delimiter holds one `\r`, its first byte, so that state shows
    /// in the bytes: the last `\r` among the final `delimiter.count` bytes starts a prefix of the delimiter.
    private func parserIsInBody(after chunk: ByteBuffer) -> Bool {
        let window = self.delimiter.count
        guard chunk.readableBytes >= window else { return false }
        return chunk.withUnsafeReadableBytes { bytes in
            let tail = UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - window)...])
            guard let last = tail.lastIndex(of: 13) else { return true }
            return !tail[last...].elementsEqual(self.delimiter.prefix(window - last))
        }
    }

    /// How many leading bytes are certainly body, and whether a whole delimiter follows them.
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
}
