import Foundation
import GranaryModel
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A browser's view of the web pages: the cookies it holds and the CSRF token the last page gave it.
struct WebSessionCookies: Sendable {
    /// The `granary_session` cookie's value (the session token).
    let session: String

    /// The header a browser sends back.
    var cookieHeader: String { "granary_session=\(self.session)" }
}

extension TestResponse {
    /// Every `Set-Cookie` header.
    var setCookies: [String] { self.headers[values: .setCookie] }

    /// The value a `Set-Cookie` gives `name`, if any.
    func cookie(_ name: String) -> String? {
        for header in self.setCookies where header.hasPrefix(name + "=") {
            return String(header.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    /// The value of `<meta name="csrf-token" content="…">` or of a hidden `_csrf` field in the page.
    var csrfToken: String? {
        let html = self.body.string
        for marker in [#"<meta name="csrf-token" content=""#, #"name="_csrf" value=""#] {
            if let start = html.range(of: marker) {
                return String(html[start.upperBound...].prefix { $0 != "\"" })
            }
        }
        return nil
    }
}

extension TestClientProtocol {
    /// A GET as a browser holding `cookies` would send it.
    func page(_ uri: String, cookies: WebSessionCookies? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.accept: "text/html"]
        if let cookies { headers[.cookie] = cookies.cookieHeader }
        return try await self.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
    }

    /// An HTML form post (`application/x-www-form-urlencoded`) with `cookie` as the Cookie header.
    func postForm(_ uri: String, fields: [(String, String)], cookie: String?) async throws -> TestResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        return try await self.executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// Logs in through the HTML form as a browser does: fetch the form (double-submit cookie), post it back.
    func webLogIn(_ username: String, password: String = "Passw0rd-123") async throws -> WebSessionCookies {
        let form = try await self.page("/login")
        let formCookie = try #require(form.cookie("granary_csrf"))
        #expect(form.csrfToken == formCookie)
        let response = try await self.postForm(
            "/login",
            fields: [("_csrf", formCookie), ("username", username), ("password", password), ("next", "/")],
            cookie: "granary_csrf=\(formCookie)"
        )
        #expect(response.status == .seeOther)
        return WebSessionCookies(session: try #require(response.cookie("granary_session")))
    }
}
