import Foundation
import HTTPTypes
import Hummingbird

/// On a service that serves HTTPS itself (`granary serve --tls-cert --tls-key`): every answer tells browsers to come
/// back over HTTPS only, for a year (HSTS, RFC 6797), and every cookie it sets travels over HTTPS only (`Secure`), so
/// neither a session token nor a form's CSRF cookie ever crosses the network in clear.
struct TransportSecurity<Context: RequestContext>: RouterMiddleware {
    /// The HSTS header's value: a year, this host only (the library may share its domain with sites on plain HTTP).
    static var policy: String { "max-age=31536000" }

    static var header: HTTPField.Name { HTTPField.Name("Strict-Transport-Security")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        var headers = HTTPFields()
        for field in response.headers {
            if field.name == .setCookie, !Self.isSecure(field.value) {
                headers.append(HTTPField(name: .setCookie, value: field.value + "; Secure"))
            } else {
                headers.append(field)
            }
        }
        headers[Self.header] = Self.policy
        response.headers = headers
        return response
    }

    /// Whether a `Set-Cookie` value already has the `Secure` attribute.
    static func isSecure(_ cookie: String) -> Bool {
        cookie.split(separator: ";").dropFirst().contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "secure" }
    }
}
