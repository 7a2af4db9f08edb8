import Foundation
import GranaryLearning
import GranaryModel
import GranarySearch
import GranaryStore
import Hummingbird
import NIOPosix

/// `/resources/{id}`: a resource's metadata, its media in place where that is safe, rating and related resources.
extension WebInterface {
    /// How a resource's bytes appear on a page. HTML, SVG, XML and Office files are never shown in place: in the
    /// service's origin they could run script or pretend to be Granary, so they are only offered as a download.
    struct MediaView: Sendable {
        let contentURL: String
        let downloadURL: String
        let video: Bool
        let audio: Bool
        let image: Bool
        let pdf: Bool
        let text: String?
        let downloadOnly: Bool
        let title: String

        init(resource: Resource, text: String?) {
            let mime = resource.mime
            self.contentURL = "/api/v1/resources/\(resource.id)/content?version=\(resource.version)"
            self.downloadURL = "/api/v1/resources/\(resource.id)/content?version=\(resource.version)&download=1"
            self.video = mime.hasPrefix("video/")
            self.audio = mime.hasPrefix("audio/")
            self.image = mime.hasPrefix("image/") && mime != "image/svg+xml"
            self.pdf = mime == "application/pdf"
            self.text = mime == "text/plain" ? text : nil
            self.downloadOnly = !(self.video || self.audio || self.image || self.pdf || self.text != nil)
            self.title = resource.title
        }

        /// Whether the page shows the bytes as text (read from the blob, at most 64 KiB).
        static func showsText(_ resource: Resource) -> Bool { resource.mime == "text/plain" }
    }

    struct ResourcePage: Sendable {
        struct Related: Sendable {
            let href: String
            let title: String
            let kind: String
            let course: String
        }

        let id: String
        let title: String
        let description: String?
        let canonicalName: String
        let facts: [Fact]
        let media: MediaView
        let tags: [String]
        let related: [Related]
        let canSubmit: Bool
        let canRate: Bool
        /// Set when the page was opened from an offering the viewer is enrolled in.
        let study: Study?
    }

    /// The resource as an item of an offering being studied: where it sits and the way on.
    struct Study: Sendable {
        let offering: String
        let offeringTitle: String
        let offeringHref: String
        let resource: String
        let done: Bool
        let nextHref: String
        let nextTitle: String?
    }

    /// The study bar for `resource` when `?offering=` names an offering `user` is enrolled in and that holds it.
    func study(of resource: String, request: Request, user: User) async throws -> Study? {
        guard let raw = request.uri.queryParameters["offering"], let uuid = UUID(uuidString: String(raw)) else { return nil }
        let id = uuid.uuidString.lowercased()
        guard let progress = try await self.progress(in: id, user: user),
            let offering = try? await self.offerings.offering(id: id, viewer: user, preview: false)
        else { return nil }
        let item = Offering.Item(resource: resource)
        guard offering.units.contains(where: { $0.items.contains { $0.resource == resource } }) else { return nil }
        let next = Self.nextHref(after: item, in: offering)
        return Study(
            offering: id,
            offeringTitle: offering.title,
            offeringHref: "/offerings/\(id)",
            resource: resource,
            done: progress.units.contains { $0.done.contains("resource:" + resource) },
            nextHref: next.href,
            nextTitle: next.title
        )
    }

    /// One label and value of a metadata table.
    struct Fact: Sendable {
        let label: String
        let value: String
    }

    /// The metadata table of a resource, with names instead of ids.
    func facts(of resource: Resource, names: CatalogueNames.Snapshot) async throws -> [Fact] {
        var points: [String] = []
        for id in resource.knowledgePoints {
            points.append(try await self.catalogue.point(id: id)?.name ?? id)
        }
        let major = names.majors[resource.major].map { "\($0.name)（\($0.code)）" } ?? resource.major
        return [
            Fact(label: "专业", value: major),
            Fact(label: "课程", value: names.courses[resource.course]?.name ?? resource.course),
            Fact(label: "知识（技能）点", value: points.joined(separator: "、")),
            Fact(label: "资源类型", value: resource.kind.chineseName),
            Fact(label: "原创/引用", value: resource.original ? "原创" : "引用" + (resource.source.map { "（来源：\($0)）" } ?? "")),
            Fact(label: "许可", value: resource.license ?? "未注明"),
            Fact(label: "文件", value: "\(resource.mime)，\(Self.size(resource.size))"),
            Fact(label: "作者", value: try await self.personName(resource.createdBy)),
            Fact(label: "创建时间", value: Self.format(resource.createdAt)),
            Fact(label: "更新时间", value: Self.format(resource.updatedAt) + "（第 \(resource.version) 版）"),
            Fact(label: "状态", value: resource.status.chineseName),
        ]
    }

    /// The start of a plain-text resource, for showing it in place.
    func textPreview(of resource: Resource, viewer: User) async throws -> String? {
        guard MediaView.showsText(resource) else { return nil }
        let (_, path) = try await self.resources.content(id: resource.id, version: resource.version, viewer: viewer)
        let data = try await NIOThreadPool.singleton.runIfActive {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            return try handle.read(upToCount: 64 << 10) ?? Data()
        }
        // A cut through a multi-byte character loses only that character.
        return String(decoding: data, as: UTF8.self)
    }

    @Sendable func resourcePage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.viewer(context)
        let id = try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
        // The same visibility as GET /api/v1/resources/{id}: learners see published versions only.
        let resource = try await self.resources.resource(id: id, viewer: user)
        let names = try await self.names.current(courses: [resource.course])
        let related = try await self.recommendations.related(to: id, viewer: user, limit: 6)
        let page = ResourcePage(
            id: resource.id,
            title: resource.title,
            description: resource.description,
            canonicalName: resource.canonicalName,
            facts: try await self.facts(of: resource, names: names),
            media: MediaView(resource: resource, text: try await self.textPreview(of: resource, viewer: user)),
            tags: resource.tags,
            related: related.map {
                ResourcePage.Related(
                    href: "/resources/\($0.id)",
                    title: $0.title,
                    kind: $0.kind.chineseName,
                    course: names.courses[$0.course]?.name ?? $0.course
                )
            },
            canSubmit: resource.createdBy == user.username && [.draft, .changesRequested, .rejected].contains(resource.status),
            canRate: resource.createdBy != user.username && (user.role == .learner || resource.status == .approved),
            study: try await self.study(of: resource.id, request: request, user: user)
        )
        return try await self.render("resource", title: resource.title, page: page, context: context, path: request.uri.path)
    }

    /// `1.5 MB`.
    static func size(_ bytes: Int64) -> String {
        let value = Double(bytes)
        if bytes >= 1 << 30 { return String(format: "%.1f GB", value / 1_073_741_824) }
        if bytes >= 1 << 20 { return String(format: "%.1f MB", value / 1_048_576) }
        if bytes >= 1 << 10 { return String(format: "%.0f KB", value / 1024) }
        return "\(bytes) 字节"
    }
}

extension ReviewStatus {
    /// The state's name on pages.
    var chineseName: String {
        switch self {
        case .draft: "草稿"
        case .pending: "待审核"
        case .approved: "已发布"
        case .rejected: "未通过"
        case .changesRequested: "退回修改"
        case .retired: "已下架"
        }
    }
}
