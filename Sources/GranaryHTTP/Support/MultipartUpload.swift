import Foundation
import GranaryModel
import GranaryStore
import Hummingbird
import MultipartKit
import NIOCore

/// A `multipart/form-data` upload read as it arrives: the `file` part streams into a temporary blob
/// (hashed on the way), the `metadata` part is kept in memory up to a small limit. Memory does not grow with the file.
struct MultipartUpload {
    /// The `metadata` part, if one came.
    var metadata: Data?
    /// The `file` part, closed but not yet stored.
    var file: BlobUpload?

    /// Largest `metadata` part accepted.
    static let metadataLimit = 1 << 20
    /// Bytes gathered before one write to disk.
    static let writeChunk = 1 << 20

    private enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case partComplete
    }

    private enum Part {
        case metadata
        case file
        case ignored
    }

    /// Reads the whole body. `check` sees the metadata as soon as it is complete, so that bad metadata sent before
    /// the file stops the bytes from being written (they are still read to the end, then the error is thrown).
    static func read(
        _ request: Request,
        blobs: BlobStore,
        maximumFileSize: Int64,
        check: (Data) throws -> Void = { _ in }
    ) async throws -> MultipartUpload {
        let boundary = try Self.boundary(of: request)
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > maximumFileSize + Int64(Self.metadataLimit) + 64 * 1024 {
            throw Self.tooLarge(maximumFileSize)
        }
        let parser = MultipartParser(boundary: boundary)
        var events: [Event] = []
        parser.onHeader = { events.append(.header($0, $1)) }
        parser.onBody = { events.append(.body($0)) }
        parser.onPartComplete = { events.append(.partComplete) }

        var upload = MultipartUpload()
        var part: Part?
        var headers: [(String, String)] = []
        var metadata = ByteBuffer()
        var pending = ByteBuffer()
        var deferredError: (any Error)?
        var partsSeen = 0

        func handle(_ event: Event) async throws {
            switch event {
            case .header(let name, let value):
                headers.append((name, value))
            case .body(var bytes):
                if part == nil { part = try Self.part(for: headers, hasFile: upload.file != nil) }
                switch part! {
                case .metadata:
                    guard metadata.readableBytes + bytes.readableBytes <= Self.metadataLimit else {
                        throw GranaryError(.payloadTooLarge, LocalizedText(zh: "元数据超过 1 MiB", en: "The metadata part exceeds 1 MiB"))
                    }
                    metadata.writeBuffer(&bytes)
                case .file:
                    if upload.file == nil { upload.file = try blobs.beginUpload() }
                    guard upload.file!.size + Int64(pending.readableBytes + bytes.readableBytes) <= maximumFileSize else {
                        throw Self.tooLarge(maximumFileSize)
                    }
                    guard deferredError == nil else { return }
                    pending.writeBuffer(&bytes)
                    if pending.readableBytes >= Self.writeChunk {
                        try await upload.file!.write(pending)
                        pending.clear()
                    }
                case .ignored:
                    break
                }
            case .partComplete:
                if part == nil { part = try Self.part(for: headers, hasFile: upload.file != nil) }
                switch part! {
                case .metadata:
                    let data = Data(metadata.readableBytesView)
                    upload.metadata = data
                    do { try check(data) } catch { deferredError = error }
                case .file:
                    if upload.file == nil { upload.file = try blobs.beginUpload() }
                    if deferredError == nil { try await upload.file!.write(pending) }
                    pending.clear()
                case .ignored:
                    break
                }
                partsSeen += 1
                part = nil
                headers = []
            }
        }

        do {
            for try await chunk in request.body {
                do {
                    try parser.execute(chunk)
                } catch {
                    throw GranaryError(.invalidMultipart, LocalizedText(zh: "multipart 内容格式有误", en: "The multipart body is malformed"))
                }
                for event in events { try await handle(event) }
                events.removeAll(keepingCapacity: true)
            }
            guard partsSeen > 0, part == nil, headers.isEmpty else {
                throw GranaryError(
                    .invalidMultipart,
                    LocalizedText(zh: "上传内容不完整（缺少结束分隔符）", en: "The multipart body ended before its closing boundary")
                )
            }
            if let deferredError { throw deferredError }
            return upload
        } catch {
            upload.file?.abandon()
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

    private static func part(for headers: [(String, String)], hasFile: Bool) throws -> Part {
        guard let disposition = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1 else {
            throw GranaryError(.invalidMultipart, LocalizedText(zh: "multipart 分段缺少 Content-Disposition", en: "A part has no Content-Disposition"))
        }
        switch Self.parameter("name", in: disposition) {
        case "metadata": return .metadata
        case "file":
            guard !hasFile else {
                throw GranaryError(.invalidMultipart, LocalizedText(zh: "只能上传一个文件", en: "Only one file part is accepted"))
            }
            return .file
        default: return .ignored
        }
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

    private static func tooLarge(_ limit: Int64) -> GranaryError {
        GranaryError(
            .payloadTooLarge,
            LocalizedText(zh: "文件超过上传上限 \(limit / (1 << 20)) MiB", en: "The file exceeds the upload limit of \(limit / (1 << 20)) MiB")
        )
    }
}
