import Foundation
import GranaryModel
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The compiled page templates and the headers every page carries.
///
/// Templates are SwiftPM resources (`Web/Templates/*.mustache`), parsed once at start. Each page template extends the
/// `layout` template (`{{<layout}}{{$main}}…{{/main}}{{/layout}}`) and is rendered over a `PageModel`: the layout reads
/// `site`, the page reads `page`.
struct PageRenderer: Sendable {
    private let templates: MustacheLibrary

    /// Pages allow only Granary's own scripts, styles, images, media and frames: no inline script or style.
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    /// `Referrer-Policy`.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    /// Parses every template of the bundle (`name.mustache` is the template `name`).
    static func load() throws -> PageRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates") else { throw CocoaError(.fileNoSuchFile) }
        var templates: [String: MustacheTemplate] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            templates[String(file.dropLast(".mustache".count))] = try MustacheTemplate(string: text)
        }
        return PageRenderer(templates: MustacheLibrary(templates: templates))
    }

    /// Renders `template` with the layout around it.
    func render(
        _ template: String,
        site: SiteModel,
        page: some Sendable,
        status: HTTPResponse.Status = .ok,
        headers extra: HTTPFields = [:]
    ) -> Response {
        let html = self.templates.render(PageModel(site: site, page: page), withTemplate: template) ?? ""
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[Self.referrerPolicy] = "same-origin"
        // A page shown to a signed-in person holds their data: no cache keeps it after they leave.
        headers[.cacheControl] = site.user == nil ? "no-cache" : "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A redirect after a form post or to the log-in form.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// What a template is rendered over.
struct PageModel<Page: Sendable>: Sendable {
    /// The layout's part: titles, navigation, the person.
    let site: SiteModel
    /// The page's own part.
    let page: Page
}

/// The layout's data: the library's name, the page title, the signed-in person, their navigation and the CSRF token.
struct SiteModel: Sendable {
    /// One navigation link.
    struct Link: Sendable {
        let href: String
        let label: String
        let current: Bool
    }

    /// The signed-in person as the header shows them.
    struct Person: Sendable {
        let displayName: String
        let roleName: String
    }

    /// e.g. 智能焊接技术专业教学资源库.
    let libraryName: String
    /// The page's own title.
    let title: String
    let user: Person?
    let nav: [Link]
    /// The session's CSRF token, for the `<meta name="csrf-token">` scripts read and for the log-out form.
    let csrf: String?
    /// A one-line message at the top of the page (after a decision, say).
    let notice: String?
    /// Appended to the static files' URLs, so a new build is fetched at once despite their long cache.
    let assetVersion: String
}

// MARK: - Lookups without reflection

// swift-mustache finds a name by reflection (`Mirror`) unless the value answers it itself. Reflection cost the search
// page most of its time (about 3 ms a page for a few hundred look-ups), so the models every page and the search page
// render answer by name.

extension PageModel: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "site": self.site
        case "page": self.page
        default: nil
        }
    }
}

extension SiteModel: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "libraryName": self.libraryName
        case "title": self.title
        case "user": self.user
        case "nav": self.nav
        case "csrf": self.csrf
        case "notice": self.notice
        case "assetVersion": self.assetVersion
        default: nil
        }
    }
}

extension SiteModel.Link: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "href": self.href
        case "label": self.label
        case "current": self.current
        default: nil
        }
    }
}

extension SiteModel.Person: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "displayName": self.displayName
        case "roleName": self.roleName
        default: nil
        }
    }
}
