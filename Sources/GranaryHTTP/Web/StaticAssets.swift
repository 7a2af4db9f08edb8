import Foundation
import Hummingbird
import NIOCore

/// `app.css` and `app.js`, read from the bundle once and served at `/static/…` with a long cache.
///
/// The files change only with a new build, and a new build changes `version` (their hash), which the layout puts in
/// the URL, so browsers may keep them for a year.
struct StaticAssets: Sendable {
    private let files: [String: (contentType: String, bytes: ByteBuffer)]
    /// A short hash of the files, appended to their URLs as `?v=`.
    let version: String

    /// Loads the files of `Web/Static`.
    static func load() throws -> StaticAssets {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Static") else { throw CocoaError(.fileNoSuchFile) }
        var files: [String: (String, ByteBuffer)] = [:]
        var digest = Data()
        for (name, type) in [("app.css", "text/css; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8")] {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            files[name] = (type, ByteBuffer(bytes: data))
            digest.append(data)
        }
        let version = String(
            UInt32(truncatingIfNeeded: digest.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }),
            radix: 36
        )
        return StaticAssets(files: files, version: version)
    }

    /// `GET /static/{name}`.
    @Sendable func serve(request: Request, context: AppRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard let file = self.files[name] else { throw HTTPError(.notFound) }
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType,
                .cacheControl: "public, max-age=31536000, immutable",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: file.bytes)
        )
    }
}
