import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The web pages' session: the `granary_session` cookie holds the same token `POST /api/v1/sessions` hands out, and
/// CSRF tokens are derived from it, so nothing about a browser session is stored beyond the token itself.
enum WebSession {
    /// The cookie holding the session token (HttpOnly, SameSite=Lax).
    static let sessionCookie = "granary_session"
    /// The double-submit cookie of the log-in and sign-up forms, which have no session yet (SameSite=Strict).
    static let formCookie = "granary_csrf"
    /// The form field carrying the CSRF token.
    static let formField = "_csrf"
    /// The header scripts send the CSRF token in.
    static let header = HTTPField.Name("X-CSRF-Token")!

    /// The CSRF token of a session: `hex(SHA256("granary-csrf:" + token))`. Stateless: anyone holding the session
    /// token can compute it, and only Granary's own pages (same origin) can read it to send it.
    static func csrfToken(forSession token: String) -> String {
        self.hex(SHA256.hash(data: Data(("granary-csrf:" + token).utf8)))
    }

    /// A fresh random value for the double-submit cookie.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return self.hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// GET, HEAD and OPTIONS change nothing, so a forged one can do no harm.
    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    /// Whether the request carries `expected` in the header or, for an HTML form post, in the `_csrf` field. Reading
    /// the form collects its body; the request keeps it for the handler.
    static func carriesCSRFToken(_ request: inout Request, expected: String, context: some RequestContext) async throws -> Bool {
        if let sent = request.headers[self.header] { return self.equal(sent, expected) }
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else { return false }
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        return self.equal(FormFields(String(buffer: body))[self.formField] ?? "", expected)
    }

    /// Compares in time independent of where the strings differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The cookie that opens a browser session.
    static func sessionCookie(token: String, maxAge: Int) -> Cookie {
        Cookie(name: self.sessionCookie, value: token, maxAge: maxAge, path: "/", httpOnly: true, sameSite: .lax)
    }

    /// The cookie that ends it.
    static var expiredSessionCookie: Cookie {
        Cookie(name: self.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax)
    }

    /// The double-submit cookie of the log-in and sign-up forms.
    static func formCookie(_ value: String) -> Cookie {
        Cookie(name: self.formCookie, value: value, maxAge: 3600, path: "/", httpOnly: true, sameSite: .strict)
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// The fields of an `application/x-www-form-urlencoded` body (the first value of each name, or all of them).
struct FormFields: Sendable {
    private let pairs: [(String, String)]

    /// Parses `a=1&b=%E7%84%8A`, `+` as a space.
    init(_ body: String) {
        self.pairs = body.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? Self.decode(parts[1]) ?? "" : "")
        }
    }

    /// The first value of `name`.
    subscript(_ name: String) -> String? {
        self.pairs.first { $0.0 == name }?.1
    }

    /// Every value of `name` (checkboxes).
    func all(_ name: String) -> [String] {
        self.pairs.filter { $0.0 == name }.map(\.1)
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
