import Foundation
import GranaryModel
import GranaryStore
import HTTPTypes
import Hummingbird

/// Stored bytes served as a file: an ETag from the content address, byte ranges (players seek), HEAD, and headers
/// that keep anything a user uploaded from running on the service's origin.
enum BlobResponse {
    /// Media a browser may show in place; everything else (HTML, SVG, XML, Office files) is always an attachment.
    static func isSafeInline(_ mime: String) -> Bool {
        (mime.hasPrefix("image/") && mime != "image/svg+xml") || mime.hasPrefix("video/") || mime.hasPrefix("audio/") || mime == "application/pdf"
            || mime == "text/plain"
    }

    /// Nothing stored may run or load anything. A sandboxed response is also what a browser refuses to hand to its
    /// PDF viewer, so PDFs, which run no script of the page's origin in that viewer, go without `sandbox`.
    static func contentPolicy(_ mime: String) -> String {
        let policy = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
        return mime == "application/pdf" ? policy + "; object-src 'self'" : policy + "; sandbox"
    }

    /// The response for `content` of type `mime`, saved as `fileName` (`fallbackName` for old clients); inline when
    /// safe unless `download`. `willSend(range, inline)` runs just before a body goes out (not for HEAD or 304).
    static func response(
        _ content: BlobContent,
        mime: String,
        fileName: String,
        fallbackName: String,
        download: Bool,
        request: Request,
        context: some RequestContext,
        fileIO: FileIO,
        willSend: (ClosedRange<Int64>, Bool) async throws -> Void = { _, _ in }
    ) async throws -> Response {
        let etag = "\"\(content.sha256)\""
        var headers: HTTPFields = [
            .eTag: etag,
            .acceptRanges: "bytes",
            .cacheControl: "private, no-cache",
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: Self.contentPolicy(mime),
        ]
        let inline = Self.isSafeInline(mime) && !download
        headers[.contentDisposition] = ContentDisposition.header(
            disposition: inline ? "inline" : "attachment",
            fileName: fileName,
            fallbackName: fallbackName
        )
        headers[.contentType] = mime == "text/plain" ? "text/plain; charset=utf-8" : mime

        if let match = request.headers[.ifNoneMatch],
            match == "*" || match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        var range = ByteRange.parse(request.headers[.range], size: content.size)
        if let ifRange = request.headers[.ifRange], ifRange != etag { range = .whole }
        let status: HTTPResponse.Status
        let bytes: ClosedRange<Int64>
        switch range {
        case .whole:
            status = .ok
            bytes = 0...(content.size - 1)
        case .part(let part):
            status = .partialContent
            bytes = part
            headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound)/\(content.size)"
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(content.size)"
            throw RangeNotSatisfiable(headers: headers)
        }
        headers[.contentLength] = String(bytes.count)
        if request.method == .head {
            return Response(status: status, headers: headers)
        }
        try await willSend(bytes, inline)
        let body: ResponseBody
        if let path = content.localPath {
            body = try await fileIO.loadFile(path: path, range: Int(bytes.lowerBound)...Int(bytes.upperBound), context: context)
        } else {
            // An object store: its ranged GET streams through, one buffer at a time.
            body = ResponseBody(asyncSequence: try await content.read(range: bytes))
        }
        return Response(status: status, headers: headers, body: body)
    }
}

/// A 416 that still carries `Content-Range: bytes */size`.
struct RangeNotSatisfiable: Error {
    let headers: HTTPFields
}
