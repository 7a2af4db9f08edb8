import Foundation
import GranaryLearning
import GranaryModel
import GranarySearch
import GranaryStore
import HTTPTypes
import Hummingbird

/// Granular resources: upload, metadata, versions, download, life cycle.
struct ResourceController {
    let resources: ResourceStore
    let search: SearchService
    let blobs: BlobStore
    let fileIO: FileIO
    /// Largest file accepted, in bytes.
    let maximumUploadSize: Int64
    /// Counts views and downloads.
    let analytics: Analytics

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group("resources", context: AuthenticatedContext.self)
        group.post(use: self.create)
        group.get(use: self.list)
        group.get("{id}", use: self.get)
        group.patch("{id}", use: self.updateMetadata)
        group.delete("{id}", use: self.retire)
        group.get("{id}/content", use: self.download)
        group.head("{id}/content", use: self.download)
        group.put("{id}/content", use: self.replaceContent)
        group.get("{id}/versions", use: self.versions)
        group.get("{id}/history", use: self.history)
        group.post("{id}/submit", use: self.submit)
        group.post("{id}/ratings", use: self.rate)
        group.get("{id}/ratings", use: self.ratings)
    }

    private static let author = LocalizedText(zh: "上传或修改资源", en: "upload or change resources")

    @Sendable func create(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.author)
        let upload = try await MultipartUpload.read(request, blobs: self.blobs, maximumFileSize: self.maximumUploadSize) { data in
            _ = try ResourceMetadata.parse(data)
        }
        guard let file = upload.file else {
            throw GranaryError(
                .invalidMultipart,
                LocalizedText(zh: "缺少 file 分段", en: "The upload has no file part"),
                errors: [FieldError(field: "file", message: LocalizedText(zh: "必填", en: "required"))]
            )
        }
        guard let metadataData = upload.metadata else {
            file.abandon()
            throw GranaryError(
                .missingMetadata,
                LocalizedText(zh: "缺少 metadata 分段", en: "The upload has no metadata part"),
                errors: [FieldError(field: "metadata", message: LocalizedText(zh: "必填", en: "required"))]
            )
        }
        let metadata: ResourceMetadata
        do {
            metadata = try ResourceMetadata.parse(metadataData)
        } catch {
            file.abandon()
            throw error
        }
        let resource = try await self.resources.create(metadata: metadata, file: file, author: context.user)
        var response = try Response.json(resource, status: .created)
        response.headers[.location] = "/api/v1/resources/\(resource.id)"
        return response
    }

    @Sendable func replaceContent(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.author)
        let id = try Self.id(context)
        let upload = try await MultipartUpload.read(request, blobs: self.blobs, maximumFileSize: self.maximumUploadSize)
        guard let file = upload.file else {
            throw GranaryError(
                .invalidMultipart,
                LocalizedText(zh: "缺少 file 分段", en: "The upload has no file part"),
                errors: [FieldError(field: "file", message: LocalizedText(zh: "必填", en: "required"))]
            )
        }
        return try await self.changed(try await self.resources.replaceContent(id: id, file: file, actor: context.user))
    }

    @Sendable func updateMetadata(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.author)
        let id = try Self.id(context)
        let patch = try await request.bodyData(context: context)
        return try await self.changed(try await self.resources.updateMetadata(id: id, patch: patch, actor: context.user))
    }

    @Sendable func get(request: Request, context: AuthenticatedContext) async throws -> Response {
        let resource = try await self.resources.resource(
            id: try Self.id(context),
            version: try request.uri.positiveInt("version"),
            viewer: context.user
        )
        return try .json(resource)
    }

    @Sendable func list(request: Request, context: AuthenticatedContext) async throws -> Response {
        let uri = request.uri
        let filter = try uri.resourceFilter()
        let page = try uri.pageRequest()
        // A learner's list is the published library, which the search index holds: counted and paged there.
        if let listed = try await self.search.list(filter, viewer: context.user, page) { return try .json(listed) }
        return try .json(try await self.resources.list(filter, viewer: context.user, page))
    }

    @Sendable func versions(request: Request, context: AuthenticatedContext) async throws -> Response {
        let versions = try await self.resources.versions(id: try Self.id(context), viewer: context.user)
        return try .json(Page(items: versions, total: versions.count, request: PageRequest(page: 1, pageSize: max(1, versions.count))))
    }

    @Sendable func history(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.resources.history(id: try Self.id(context), viewer: context.user, try request.uri.pageRequest()))
    }

    @Sendable func submit(request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.changed(try await self.resources.submit(id: try Self.id(context), actor: context.user))
    }

    struct RatingInput: Decodable {
        let stars: Int
        let comment: String?
    }

    @Sendable func rate(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: RatingInput.self, context: context)
        let rating = try await self.resources.rate(id: try Self.id(context), stars: input.stars, comment: input.comment, user: context.user)
        return try .json(rating, status: .created)
    }

    @Sendable func ratings(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.resources.ratings(id: try Self.id(context), viewer: context.user, try request.uri.pageRequest()))
    }

    @Sendable func retire(request: Request, context: AuthenticatedContext) async throws -> Response {
        try await self.changed(try await self.resources.retire(id: try Self.id(context), actor: context.user))
    }

    /// Answers with the changed resource.
    private func changed(_ resource: Resource) async throws -> Response {
        try .json(resource)
    }

    // MARK: - Download

    @Sendable func download(request: Request, context: AuthenticatedContext) async throws -> Response {
        let (resource, content, published) = try await self.resources.content(
            id: try Self.id(context),
            version: try request.uri.positiveInt("version"),
            viewer: context.user
        )
        return try await BlobResponse.response(
            content,
            mime: resource.mime,
            fileName: resource.canonicalName,
            fallbackName: "\(resource.id).\(MediaPolicy.fileExtension(forMIME: resource.mime))",
            download: try request.uri.bool("download") == true,
            request: request,
            context: context,
            fileIO: self.fileIO
        ) { bytes, inline in
            // One use per playback or download: a player's later range requests do not start at byte 0.
            if bytes.lowerBound == 0 {
                try await self.analytics.record(inline ? .view : .download, resource: resource.id, user: context.user)
                if !published { try await self.resources.auditUnpublishedDownload(resource, viewer: context.user, address: context.remoteAddress) }
            }
        }
    }

    private static func id(_ context: AuthenticatedContext) throws -> String {
        try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
    }
}
