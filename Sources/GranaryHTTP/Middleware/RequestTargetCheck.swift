import GranaryModel
import Hummingbird

/// Refuses (400) a request whose path or query, once percent-decoded, is not UTF-8 or holds a NUL character, so
/// every handler below takes the decoded strings at their word: a search term, a course id or a page number is
/// text, never bytes that SQLite, libxml2 or a log line would read differently.
struct RequestTargetCheck<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isText(request.uri.string) else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(
                    zh: "请求地址或查询参数不是有效的 UTF-8 文本，或含空字符（%00）",
                    en: "The request path or query is not valid UTF-8 text, or holds a NUL character (%00)"
                )
            )
        }
        return try await next(request, context)
    }

    /// Whether `target` decodes (`%XX`) to UTF-8 without U+0000. A `%` not followed by two hex digits stays as it is.
    static func isText(_ target: String) -> Bool {
        let raw = Array(target.utf8)
        guard raw.contains(UInt8(ascii: "%")) else { return true }  // a Swift String is valid UTF-8 already
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "%"), index + 2 < raw.count, let high = Self.hexValue(raw[index + 1]),
                let low = Self.hexValue(raw[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(raw[index])
                index += 1
            }
        }
        return !decoded.contains(0) && String(validating: decoded, as: UTF8.self) != nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
