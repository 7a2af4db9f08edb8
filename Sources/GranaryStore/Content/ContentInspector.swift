import CMagic
import GranaryModel
import NIOPosix

/// Decides a file's MIME type from its bytes with libmagic.
///
/// A `magic_t` cookie keeps its results and errors inside itself, so it is not safe to share between threads:
/// every thread of the pool gets its own cookie, loaded once, and detection only ever runs on the pool.
public struct ContentInspector: Sendable {
    private let threadPool: NIOThreadPool
    private let cookies = ThreadSpecificVariable<MagicCookie>()

    /// Creates an inspector that runs libmagic on `threadPool`.
    public init(threadPool: NIOThreadPool = .singleton) {
        self.threadPool = threadPool
    }

    /// The MIME type of the file at `path`, e.g. `image/png`; `application/octet-stream` when libmagic cannot tell.
    public func mimeType(ofFileAt path: String) async throws -> String {
        let cookies = self.cookies
        return try await self.threadPool.runIfActive {
            try Self.cookie(in: cookies).mimeType(ofFileAt: path)
        }
    }

    /// Detection on the calling thread, for callers that already run on a thread of their own (the benchmark).
    public func mimeTypeBlocking(ofFileAt path: String) throws -> String {
        try Self.cookie(in: self.cookies).mimeType(ofFileAt: path)
    }

    private static func cookie(in cookies: ThreadSpecificVariable<MagicCookie>) throws -> MagicCookie {
        if let cookie = cookies.currentValue { return cookie }
        let cookie = try MagicCookie()
        cookies.currentValue = cookie
        return cookie
    }
}

/// One libmagic handle with the default database loaded.
///
/// Sendable only so that `ThreadSpecificVariable` can hold it: each cookie is created by, stored for and used on
/// one thread, and never handed to another.
final class MagicCookie: @unchecked Sendable {
    private let handle: magic_t

    init() throws {
        guard let handle = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR) else { throw InspectionError.libmagicUnavailable }
        guard magic_load(handle, nil) == 0 else {
            magic_close(handle)
            throw InspectionError.libmagicUnavailable
        }
        self.handle = handle
    }

    deinit {
        magic_close(self.handle)
    }

    func mimeType(ofFileAt path: String) throws -> String {
        guard let result = magic_file(self.handle, path) else {
            throw InspectionError.unreadable
        }
        let mime = String(cString: result)
        return mime.isEmpty ? "application/octet-stream" : mime
    }
}

/// libmagic could not be used; an operator's problem, never a user's.
enum InspectionError: Error {
    case libmagicUnavailable
    case unreadable
}
