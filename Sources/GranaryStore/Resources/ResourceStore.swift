import Foundation
import GRDB
import GranaryModel
import NIOPosix

/// Granular resources: their versions, bytes, visibility and life cycle.
///
/// Every change is one write transaction that also appends its event; bytes are durably in place before it starts.
public struct ResourceStore: Sendable {
    let database: LibraryDatabase
    private let blobs: BlobStore
    private let inspector: ContentInspector
    private let extractor = TextExtractor()

    /// Creates the store.
    public init(database: LibraryDatabase, blobs: BlobStore, inspector: ContentInspector) {
        self.database = database
        self.blobs = blobs
        self.inspector = inspector
    }

    // MARK: - Creating and changing

    /// Stores a new resource from a finished upload. The upload is consumed: stored, or deleted on failure.
    public func create(metadata: ResourceMetadata, file: BlobUpload, author: User) async throws -> Resource {
        do { try Self.lifecycle.requireAuthor(author) } catch {
            file.abandon()
            throw error
        }
        let (blob, mime, kind) = try await self.accept(file: file, metadata: metadata, mime: nil)
        let id = UUID().uuidString.lowercased()
        return try await self.database.write { db in
            let names = try Self.checkReferences(db, metadata: metadata)
            let now = self.database.clock.now()
            try Self.lifecycle.insertDraft(db, id: id, author: author, at: now)
            try Self.insertVersion(
                db,
                id: id,
                version: 1,
                metadata: metadata,
                kind: kind,
                blob: blob,
                mime: mime,
                names: names,
                author: author,
                at: now
            )
            let resource = try Self.fetch(db, id: id, version: 1)!
            try EventLog.record(
                db,
                actor: author.username,
                action: "resource.created",
                itemType: "resource",
                itemId: id,
                after: resource,
                at: self.database.clock.now()
            )
            return resource
        }
    }

    /// Replaces the bytes of a resource: a new version with the same metadata.
    public func replaceContent(id: String, file: BlobUpload, actor: User) async throws -> Resource {
        let current: Resource
        let mime: String
        do {
            current = try await self.editable(id: id, by: actor)
            mime = try await self.inspect(file)
        } catch {
            file.abandon()
            throw error
        }
        var metadata = Self.metadata(of: current)
        // A declared kind survives only if the new bytes still allow it; otherwise the bytes decide.
        if let declared = metadata.kind, !MediaPolicy.allowedKinds(forMIME: mime).contains(declared) { metadata.kind = nil }
        let (blob, _, kind) = try await self.accept(file: file, metadata: metadata, mime: mime)
        return try await self.commitVersion(id: id, metadata: metadata, kind: kind, blob: blob, mime: mime, actor: actor)
    }

    /// Changes a resource's metadata (a partial JSON document): a new version over the same bytes.
    public func updateMetadata(id: String, patch: Data, actor: User) async throws -> Resource {
        let current = try await self.editable(id: id, by: actor)
        let metadata = try ResourceMetadata.parse(patch, base: Self.metadata(of: current))
        if let declared = metadata.kind, !MediaPolicy.allowedKinds(forMIME: current.mime).contains(declared) {
            throw Self.kindMismatch(declared: declared, mime: current.mime)
        }
        let kind = metadata.kind ?? MediaPolicy.kind(forMIME: current.mime)
        let blob = StoredBlob(sha256: current.sha256, size: current.size, deduplicated: true)
        return try await self.commitVersion(id: id, metadata: metadata, kind: kind, blob: blob, mime: current.mime, actor: actor)
    }

    /// Moves a draft (or an item sent back by review) into the review queue.
    public func submit(id: String, actor: User) async throws -> Resource {
        try await self.transition(id: id, .submit, actor: actor)
    }

    /// Retires a resource: hidden everywhere, history and bytes kept.
    public func retire(id: String, actor: User) async throws -> Resource {
        try await self.transition(id: id, .retire, actor: actor)
    }

    private func transition(id: String, _ transition: ReviewedItems.Transition, actor: User) async throws -> Resource {
        try await self.database.write { db in
            let state = try Self.lifecycle.transition(db, id: id, transition, actor: actor, at: self.database.clock.now())
            return try Self.fetch(db, id: state.id, version: state.currentVersion)!
        }
    }

    private func commitVersion(
        id: String,
        metadata: ResourceMetadata,
        kind: ResourceKind,
        blob: StoredBlob,
        mime: String,
        actor: User
    ) async throws -> Resource {
        try await self.database.write { db in
            guard let state = try Self.lifecycle.state(db, id: id) else { throw Self.notFound(id) }
            try Self.lifecycle.checkEditable(state, by: actor, action: "resource.versioned")
            let names = try Self.checkReferences(db, metadata: metadata)
            let before = try Self.fetch(db, id: id, version: state.currentVersion)!
            let version = state.currentVersion + 1
            let now = self.database.clock.now()
            try Self.insertVersion(
                db,
                id: id,
                version: version,
                metadata: metadata,
                kind: kind,
                blob: blob,
                mime: mime,
                names: names,
                author: actor,
                at: now
            )
            try Self.lifecycle.advance(db, state, to: version, at: now)
            let after = try Self.fetch(db, id: id, version: version)!
            try EventLog.record(
                db,
                actor: actor.username,
                action: "resource.versioned",
                itemType: "resource",
                itemId: id,
                before: before,
                after: after,
                at: self.database.clock.now()
            )
            return after
        }
    }

    /// Checks the bytes (unless `mime` says they were inspected already) and the metadata, then moves the bytes
    /// into the blob store. The upload is deleted on any failure.
    private func accept(file: BlobUpload, metadata: ResourceMetadata, mime known: String?) async throws -> (StoredBlob, String, ResourceKind) {
        do {
            let mime: String
            if let known { mime = known } else { mime = try await self.inspect(file) }
            if let declared = metadata.kind, !MediaPolicy.allowedKinds(forMIME: mime).contains(declared) {
                throw Self.kindMismatch(declared: declared, mime: mime)
            }
            // Fail on unknown references before the bytes are moved into place.
            _ = try await self.database.read { db in try Self.checkReferences(db, metadata: metadata) }
            // The text is read from the local upload, before the backend (perhaps remote) takes it, and kept after.
            let text = try await self.textToKeep(of: file, mime: mime)
            let blob = try await file.finish()
            if let text { try await self.keepText(text, of: blob, mime: mime) }
            return (blob, mime, metadata.kind ?? MediaPolicy.kind(forMIME: mime))
        } catch {
            file.abandon()
            throw error
        }
    }

    /// The searchable text of a closed upload, unless text of identical bytes is kept already.
    private func textToKeep(of file: BlobUpload, mime: String) async throws -> String? {
        guard let sha256 = file.sha256 else { return nil }
        // Identical bytes uploaded again already have their text; don't read the file a second time.
        let known = try await self.database.read { db in
            try db.fetchOne(Bool.self, sql: "SELECT 1 FROM blobTexts WHERE sha256 = ?", arguments: [sha256]) != nil
        }
        if known { return nil }
        guard let text = try await self.extractor.text(ofFileAt: file.temporaryPath, mime: mime), !text.isEmpty else { return nil }
        return text
    }

    /// Keeps the searchable text of stored bytes once per content. The rows are keyed by the blob, so text of bytes
    /// whose resource row never commits (a crash) stays harmless, like the bytes themselves.
    private func keepText(_ text: String, of blob: StoredBlob, mime: String) async throws {
        try await self.database.write { db in
            try db.execute(
                sql: "INSERT INTO blobs (sha256, size, mime, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [blob.sha256, blob.size, mime, self.database.clock.now()]
            )
            try db.execute(sql: "INSERT INTO blobTexts (sha256, text) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [blob.sha256, text])
        }
    }

    /// Extracts the text of every stored file that has none yet (after the extractor learned a new format);
    /// `progress` hears (done, total) now and then. Returns how many files gave text.
    public func extractMissingTexts(progress: (Int, Int) -> Void = { _, _ in }) async throws -> Int {
        let missing = try await self.database.read { db in
            try db.fetchAll(sql: "SELECT sha256, mime FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM blobTexts)")
                .map { (sha256: $0["sha256"] as String, mime: $0["mime"] as String) }
        }
        var found = 0
        for (index, blob) in missing.enumerated() {
            let text = try await self.blobs.withLocalFile(sha256: blob.sha256) { path in
                try await self.extractor.text(ofFileAt: path, mime: blob.mime)
            }
            if let text, !text.isEmpty {
                try await self.database.write { db in
                    try db.execute(sql: "INSERT INTO blobTexts (sha256, text) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [blob.sha256, text])
                }
                found += 1
            }
            if (index + 1) % 1000 == 0 || index + 1 == missing.count { progress(index + 1, missing.count) }
        }
        return found
    }

    /// Closes the upload and decides its MIME type from the bytes; refuses empty files and programs.
    private func inspect(_ file: BlobUpload) async throws -> String {
        try await file.close()
        guard file.size > 0 else {
            throw GranaryError(.emptyFile, LocalizedText(zh: "上传的文件为空", en: "The uploaded file is empty"))
        }
        let mime = try await self.inspector.mimeType(ofFileAt: file.temporaryPath)
        let path = file.temporaryPath
        let inflated = try await NIOThreadPool.singleton.runIfActive { ZipArchive(path: path)?.declaredInflatedBytes }
        try Self.refuseZipBomb(inflated: inflated, size: file.size)
        if MediaPolicy.isRefused(mime: mime) {
            throw GranaryError(
                .unsupportedMedia,
                LocalizedText(
                    zh: "不接受此类文件（\(mime)）：可执行程序和脚本不能作为资源",
                    en: "Files of type \(mime) are refused: programs and scripts cannot be resources"
                )
            )
        }
        return mime
    }

    /// A zip archive (DOCX, PPTX, a simulation package) that would inflate past `maximumInflatedBytes` and to more
    /// than `maximumInflationRatio` times its own size is refused: readers that unpack it (a learner's Office, a
    /// player) would be swamped. Ordinary packages of media are stored, not compressed, and stay near 1:1.
    /// `inflated` is what the upload's entries declare, nil when it is no zip archive.
    private static func refuseZipBomb(inflated: Int?, size: Int64) throws {
        guard let inflated, inflated > Self.maximumInflatedBytes, inflated / Self.maximumInflationRatio > Int(size) else { return }
        let mebibytes = inflated == Int.max ? "∞" : String(inflated >> 20)
        throw GranaryError(
            .unsupportedMedia,
            LocalizedText(
                zh: "压缩包解压后达 \(mebibytes) MiB，超过文件本身的 \(Self.maximumInflationRatio) 倍，疑似压缩炸弹，未保存",
                en: "The archive inflates to \(mebibytes) MiB, over \(Self.maximumInflationRatio) times its size: a zip bomb, not stored"
            )
        )
    }

    /// Inflated size above which an archive's compression ratio is looked at.
    static let maximumInflatedBytes = 256 << 20
    /// Largest ratio of inflated to stored bytes accepted beyond `maximumInflatedBytes`.
    static let maximumInflationRatio = 100

    private static func kindMismatch(declared: ResourceKind, mime: String) -> GranaryError {
        let allowed = MediaPolicy.allowedKinds(forMIME: mime).map(\.rawValue).sorted().joined(separator: ", ")
        return GranaryError(
            .kindMismatch,
            LocalizedText(
                zh: "文件内容为 \(mime)，不能声明为“\(declared.chineseName)”；可选：\(allowed)",
                en: "The bytes are \(mime) and cannot be declared '\(declared.rawValue)'; allowed: \(allowed)"
            ),
            errors: [FieldError(field: "kind", message: LocalizedText(zh: "与文件内容不符", en: "does not match the bytes"))]
        )
    }

    /// Records `user`'s rating of a published resource (open evaluation); a new rating replaces their old one.
    public func rate(id: String, stars: Int, comment: String?, user: User) async throws -> Rating {
        guard (1...5).contains(stars) else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "评分应为 1–5 星", en: "stars must be 1 to 5"),
                errors: [FieldError(field: "stars", message: LocalizedText(zh: "应为 1–5", en: "must be 1 to 5"))]
            )
        }
        if let comment, comment.count > 2000 {
            throw GranaryError(
                .validationFailed,
                LocalizedText(zh: "评价内容不超过 2000 字", en: "A comment is at most 2000 characters"),
                errors: [FieldError(field: "comment", message: LocalizedText(zh: "过长", en: "too long"))]
            )
        }
        return try await self.database.write { db in
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: user)
            guard state.isLive else {
                throw GranaryError.invalidTransition(from: state.status.rawValue, action: "resource.rated")
            }
            guard state.createdBy != user.id else {
                throw GranaryError.forbidden(LocalizedText(zh: "不能评价自己上传的资源", en: "Nobody rates their own resource"))
            }
            let rating = Rating(resource: id.lowercased(), user: user.username, stars: stars, comment: comment, ratedAt: self.database.clock.now())
            try db.execute(
                sql: """
                    INSERT INTO ratings (resource, user, stars, comment, ratedAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (resource, user) DO UPDATE SET stars = excluded.stars, comment = excluded.comment, ratedAt = excluded.ratedAt
                    """,
                arguments: [rating.resource, user.id, stars, comment, rating.ratedAt]
            )
            try EventLog.record(
                db,
                actor: user.username,
                action: "resource.rated",
                itemType: "resource",
                itemId: rating.resource,
                after: rating,
                at: self.database.clock.now()
            )
            return rating
        }
    }

    /// The ratings and comments of a resource (open evaluation, 公开评价), newest first, with their mean.
    public func ratings(id: String, viewer: User, _ page: PageRequest) async throws -> RatingSummary {
        try await self.database.read { db in
            let id = id.lowercased()
            // One statement whatever the page: the count and mean of every rating, joined to the page's rows (none
            // past the end, when the one row left holds only the summary).
            let query = (
                sql: """
                SELECT s.n, s.mean, p.stars, p.comment, p.ratedAt, p.username, p.displayName
                FROM (SELECT COUNT(*) AS n, AVG(stars) AS mean FROM ratings WHERE resource = ?) s
                LEFT JOIN (
                    SELECT r.stars, r.comment, r.ratedAt, u.username, u.displayName
                    FROM ratings r JOIN users u ON u.id = r.user
                    WHERE r.resource = ? ORDER BY r.ratedAt DESC, u.username LIMIT ? OFFSET ?
                ) p ON 1 = 1
                ORDER BY p.ratedAt DESC, p.username
                """,
                arguments: [id, id, page.pageSize, page.offset] as SQLArguments
            )
            // Sent before the refusal is known, and shown only after it: a resource the viewer may not see has no
            // ratings to show them.
            db.sendAhead(sql: query.sql, arguments: query.arguments)
            _ = try Self.lifecycle.visibleState(db, id: id, viewer: viewer)
            let rows = try db.fetchAll(sql: query.sql, arguments: query.arguments)
            let summary = rows.first
            let items = rows.filter { $0["username"] as String? != nil }.map { row in
                RatingSummary.Entry(
                    user: row["username"],
                    displayName: row["displayName"],
                    stars: row["stars"],
                    comment: row["comment"],
                    ratedAt: row["ratedAt"]
                )
            }
            let count: Int = summary?["n"] ?? 0
            return RatingSummary(
                average: (summary?["mean"] as Double?).map { ($0 * 100).rounded() / 100 },
                items: items,
                total: count,
                page: page.page,
                pageSize: page.pageSize
            )
        }
    }

    /// Every rating `user` gave, newest first (their data export).
    public func ratings(by user: User) async throws -> [Rating] {
        try await self.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM ratings WHERE user = ? ORDER BY ratedAt DESC, resource", arguments: [user.id]).map { row in
                Rating(resource: row["resource"], user: user.username, stars: row["stars"], comment: row["comment"], ratedAt: row["ratedAt"])
            }
        }
    }

    // MARK: - Reading

    /// A resource as `viewer` may see it: the current version for its author, reviewers and admins, the published
    /// version for everyone else. `version` asks for an older one (not for learners).
    public func resource(id: String, version: Int? = nil, viewer: User) async throws -> Resource {
        try await self.shown(id: id, version: version, viewer: viewer).resource
    }

    /// The resource as `viewer` may see it and the text extracted from its file (nil when the kind has none, e.g.
    /// a picture, or extraction found none).
    public func text(id: String, viewer: User) async throws -> (resource: Resource, text: String?) {
        let resource = try await self.resource(id: id, viewer: viewer)
        let text = try await self.database.read { db in
            try db.fetchOne(String.self, sql: "SELECT text FROM blobTexts WHERE sha256 = ?", arguments: [resource.sha256])
        }
        return (resource, text)
    }

    /// The resource as `viewer` may see it, and whether that is its published version.
    private func shown(id: String, version: Int?, viewer: User) async throws -> (resource: Resource, published: Bool) {
        try await self.database.read { db in
            // Every version is read, so the rows need not wait for the state that picks the one shown.
            Self.sendFetchAhead(db, id: id)
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: viewer)
            let shown = try state.shownVersion(requested: version, viewer: viewer)
            guard let resource = try Self.fetch(db, id: id, version: shown) else { throw Self.notFound(id) }
            return (Self.presented(resource, viewer: viewer), shown == state.publishedVersion)
        }
    }

    /// The bytes of the resource as `viewer` may see it, and whether they are its published version (downloads of
    /// anything else are audited: `auditUnpublishedDownload`).
    public func content(
        id: String,
        version: Int? = nil,
        viewer: User
    ) async throws -> (resource: Resource, content: BlobContent, published: Bool) {
        let (resource, published) = try await self.shown(id: id, version: version, viewer: viewer)
        return (resource, BlobContent(sha256: resource.sha256, size: resource.size, store: self.blobs), published)
    }

    /// Records that `viewer` downloaded a version nobody outside its author, reviewers and admins may see (等保三级
    /// 安全审计: a draft, a pending or rejected version, an older one): once per download, not per range.
    public func auditUnpublishedDownload(_ resource: Resource, viewer: User, address: String) async throws {
        let now = self.database.clock.now()
        try await self.database.write { db in
            try EventLog.record(
                db,
                actor: viewer.username,
                action: "resource.unpublished_downloaded",
                itemType: "resource",
                itemId: resource.id,
                after: ["version": resource.version],
                address: address,
                outcome: "success",
                at: now
            )
        }
    }

    /// Every version of a resource, newest first.
    public func versions(id: String, viewer: User) async throws -> [ResourceVersionSummary] {
        try await self.database.read { db in
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: viewer)
            guard state.showsEverything(to: viewer) else {
                throw GranaryError.forbidden(LocalizedText(zh: "无权查看版本记录", en: "You may not see the version history"))
            }
            let rows = try db.fetchAll(
                sql: """
                    SELECT v.*, b.mime, b.size, u.username FROM resourceVersions v
                    JOIN blobs b ON b.sha256 = v.sha256 JOIN users u ON u.id = v.createdBy
                    WHERE v.resource = ? ORDER BY v.version DESC
                    """,
                arguments: [id]
            )
            return rows.map { row in
                let version: Int = row["version"]
                return ResourceVersionSummary(
                    version: version,
                    title: row["title"],
                    kind: ResourceKind(rawValue: row["kind"])!,
                    mime: row["mime"],
                    size: row["size"],
                    sha256: row["sha256"],
                    canonicalName: row["canonicalName"],
                    createdBy: row["username"],
                    createdAt: row["createdAt"],
                    current: version == state.currentVersion,
                    published: version == state.publishedVersion
                )
            }
        }
    }

    /// The audit trail of a resource, oldest first.
    public func history(id: String, viewer: User, _ page: PageRequest) async throws -> Page<Event> {
        try await self.database.read { db in
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: viewer)
            guard state.showsEverything(to: viewer) else {
                throw GranaryError.forbidden(LocalizedText(zh: "无权查看操作记录", en: "You may not see the history"))
            }
            let (items, total) = try EventLog.events(db, itemType: "resource", itemId: id, offset: page.offset, limit: page.pageSize)
            return Page(items: items, total: total, request: page)
        }
    }

    /// Resources `viewer` may see, newest first, narrowed by the filter.
    public func list(_ filter: ResourceFilter, viewer: User, _ page: PageRequest) async throws -> Page<Resource> {
        if viewer.role == .learner, let status = filter.status, status != .approved {
            throw GranaryError.forbidden(LocalizedText(zh: "学习者只能查看已审核通过的资源", en: "Learners see approved resources only"))
        }
        // The version a viewer is shown: the current one of what they may see unpublished, else the published one.
        let shown = ReviewedItems.viewerVersionSQL("r")
        var conditions = [ReviewedItems.visibleSQL("r")]
        var arguments: [(any DatabaseValueConvertible)?] = ReviewedItems.visibleArguments(viewer)
        /// Adds a condition; `@` in it stands for the new argument.
        func add(_ sql: String, _ value: (any DatabaseValueConvertible)?) {
            arguments.append(value)
            conditions.append(sql.replacingOccurrences(of: "@", with: "?\(arguments.count)"))
        }
        if let major = filter.major { add("v.major = @", major) }
        if let course = filter.course { add("v.course = @", course) }
        if let kind = filter.kind { add("v.kind = @", kind.rawValue) }
        if let original = filter.original { add("v.original = @", original) }
        if let status = filter.status {
            // For what a viewer sees only as published, the shown version is approved whatever the newer one's state.
            add("\(ReviewedItems.viewerStatusSQL("r")) = @", status.rawValue)
        }
        if let point = filter.knowledgePoint {
            add("EXISTS (SELECT 1 FROM resourceVersionPoints p WHERE p.resource = v.resource AND p.version = v.version AND p.point = @)", point)
        }
        // Without a filter on a version's metadata the list reads the resources table alone, newest first along its
        // `resources_updated` index, and joins nothing: 200,000 rows are not counted through a join.
        let onVersion = filter.major != nil || filter.course != nil || filter.kind != nil || filter.original != nil || filter.knowledgePoint != nil
        let from =
            onVersion
            ? "FROM resources r JOIN resourceVersions v ON v.resource = r.id AND v.version = \(shown) WHERE \(conditions.joined(separator: " AND "))"
            : "FROM resources r WHERE \(conditions.joined(separator: " AND "))"
        let limit = arguments.count + 1
        let filterArguments = SQLArguments(arguments)
        let pageArguments = SQLArguments(arguments + [page.pageSize, page.offset])
        return try await self.database.read { db in
            let total = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) \(from)", arguments: filterArguments) ?? 0
            let rows = try db.fetchAll(
                sql: "SELECT r.id, \(shown) AS version \(from) ORDER BY r.updatedAt DESC, r.id LIMIT ?\(limit) OFFSET ?\(limit + 1)",
                arguments: pageArguments
            )
            let items = try Self.fetch(db, versions: rows.map { (id: $0["id"], version: $0["version"]) })
            return Page(items: items.map { Self.presented($0, viewer: viewer) }, total: total, request: page)
        }
    }

    /// The published versions of these resources as `viewer` sees them, in the order given; ids that are not live are
    /// left out. For a list whose order and page the search index chose.
    public func published(ids: [String], viewer: User) async throws -> [Resource] {
        guard !ids.isEmpty else { return [] }
        return try await self.database.read { db in
            let versions = try Dictionary(
                db.fetchAll(
                    sql:
                        "SELECT id, publishedVersion FROM resources r WHERE id IN (\(databaseQuestionMarks(count: ids.count))) AND \(ReviewedItems.liveSQL("r"))",
                    arguments: SQLArguments(ids)
                ).map { ($0["id"] as String, $0["publishedVersion"] as Int) },
                uniquingKeysWith: { first, _ in first }
            )
            return try Self.fetch(db, versions: ids.compactMap { id in versions[id].map { (id: id, version: $0) } })
                .map { Self.presented($0, viewer: viewer) }
        }
    }

    /// Learners and other teachers see the published version, with the status it had when it was approved,
    /// whatever is happening to a newer version.
    private static func presented(_ resource: Resource, viewer: User) -> Resource {
        guard viewer.role != .reviewer, viewer.role != .admin, resource.createdBy != viewer.username else { return resource }
        var shown = resource
        shown.status = .approved
        return shown
    }

    /// Copies the published version's report facts onto the row, so the report reads one table; the life cycle
    /// calls it in the deciding transaction.
    static func didPublish(_ db: any SQLConnection, id: String, version: Int) throws {
        try db.execute(
            sql: """
                UPDATE resources SET publishedMajor = v.major, publishedCourse = v.course, publishedKind = v.kind, publishedOriginal = v.original
                FROM (SELECT major, course, kind, original FROM resourceVersions WHERE resource = ?1 AND version = ?2) AS v
                WHERE id = ?1
                """,
            arguments: [id, version]
        )
    }

    // MARK: - Rows

    /// The current version, if `actor` may change the resource.
    private func editable(id: String, by actor: User) async throws -> Resource {
        try await self.database.read { db in
            let state = try Self.lifecycle.visibleState(db, id: id, viewer: actor)
            try Self.lifecycle.checkEditable(state, by: actor, action: "resource.versioned")
            return try Self.fetch(db, id: id, version: state.currentVersion)!
        }
    }

    /// The one life cycle of reviewed items, as resources go through it.
    static let lifecycle = ReviewedItems.resources

    static func notFound(_ id: String) -> GranaryError {
        Self.lifecycle.notFound(id)
    }

    private static func metadata(of resource: Resource) -> ResourceMetadata {
        ResourceMetadata(
            title: resource.title,
            description: resource.description,
            major: resource.major,
            course: resource.course,
            knowledgePoints: resource.knowledgePoints,
            original: resource.original,
            kind: resource.kind,
            license: resource.license,
            tags: resource.tags,
            source: resource.source
        )
    }

    /// Names used in the canonical file name.
    struct ReferenceNames {
        let major: String
        let course: String
        let firstPoint: String
    }

    /// Checks that the major, course and points exist and belong together; reports every problem at once.
    static func checkReferences(_ db: any SQLConnection, metadata: ResourceMetadata) throws -> ReferenceNames {
        guard let major = try CatalogueStore.fetchMajor(db, code: metadata.major) else {
            throw GranaryError(
                .unknownMajor,
                LocalizedText(zh: "资源库中没有专业“\(metadata.major)”", en: "The library has no major '\(metadata.major)'"),
                errors: [FieldError(field: "major", message: LocalizedText(zh: "未知专业", en: "unknown major"))]
            )
        }
        guard let course = try CatalogueStore.fetchCourse(db, id: metadata.course), course.major == major.code else {
            throw GranaryError(
                .unknownCourse,
                LocalizedText(zh: "专业“\(major.name)”中没有课程“\(metadata.course)”", en: "Major '\(major.code)' has no course '\(metadata.course)'"),
                errors: [FieldError(field: "course", message: LocalizedText(zh: "未知课程", en: "unknown course"))]
            )
        }
        var names: [String] = []
        var errors: [FieldError] = []
        for (index, id) in metadata.knowledgePoints.enumerated() {
            if let point = try CatalogueStore.fetchPoint(db, id: id), point.course == course.id {
                names.append(point.name)
            } else {
                errors.append(
                    FieldError(
                        field: "knowledgePoints[\(index)]",
                        message: LocalizedText(zh: "课程“\(course.name)”中没有知识点“\(id)”", en: "course '\(course.id)' has no point '\(id)'")
                    )
                )
            }
        }
        guard errors.isEmpty else {
            throw GranaryError(
                .unknownKnowledgePoint,
                LocalizedText(zh: "知识（技能）点不存在或不属于该课程", en: "Unknown knowledge or skill points for this course"),
                errors: errors
            )
        }
        return ReferenceNames(major: major.name, course: course.name, firstPoint: names[0])
    }

    private static func insertVersion(
        _ db: any SQLConnection,
        id: String,
        version: Int,
        metadata: ResourceMetadata,
        kind: ResourceKind,
        blob: StoredBlob,
        mime: String,
        names: ReferenceNames,
        author: User,
        at now: Date
    ) throws {
        try db.execute(
            sql: "INSERT INTO blobs (sha256, size, mime, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [blob.sha256, blob.size, mime, now]
        )
        let canonicalName = CanonicalName.make(
            major: names.major,
            course: names.course,
            knowledgePoint: names.firstPoint,
            kind: kind,
            original: metadata.original,
            fileExtension: MediaPolicy.fileExtension(forMIME: mime)
        )
        let tags = String(decoding: try JSONEncoder().encode(metadata.tags), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO resourceVersions
                (resource, version, title, description, major, course, original, kind, sha256, canonicalName, license, tags, source, createdBy, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, version, metadata.title, metadata.description, metadata.major, metadata.course, metadata.original, kind.rawValue,
                blob.sha256, canonicalName, metadata.license, tags, metadata.source, author.id, now,
            ]
        )
        for (position, point) in metadata.knowledgePoints.enumerated() {
            try db.execute(
                sql: "INSERT INTO resourceVersionPoints (resource, version, point, position) VALUES (?, ?, ?, ?)",
                arguments: [id, version, point, position]
            )
        }
    }

    static func fetch(_ db: any SQLConnection, id: String, version: Int) throws -> Resource? {
        try Self.fetch(db, versions: [(id, version)]).first
    }

    /// These versions of resources, in the order given, with their points; pairs that do not exist are left out.
    /// Two statements whatever the number, so a page of a list costs what one resource does.
    static func fetch(_ db: any SQLConnection, versions keys: [(id: String, version: Int)]) throws -> [Resource] {
        guard !keys.isEmpty else { return [] }
        guard keys.count <= 500 else {
            // SQLite takes at most 32,766 arguments in one statement.
            return try stride(from: 0, to: keys.count, by: 500).flatMap { try Self.fetch(db, versions: Array(keys[$0..<min($0 + 500, keys.count)])) }
        }
        let keys = keys.map { (id: $0.id.lowercased(), version: $0.version) }
        struct Key: Hashable {
            let id: String
            let version: Int
        }
        // By resource along the primary key, the versions not asked for left out here: SQLite does not look a
        // row-value list up in an index inside a join, and a resource has few versions.
        let wanted = Set(keys.map { Key(id: $0.id, version: $0.version) })
        let ids = Array(Set(keys.map(\.id))).sorted()
        let arguments = SQLArguments(ids)
        let queries = Self.fetchQueries(count: ids.count)
        // Both go out before the first is answered: neither depends on the other.
        db.sendAhead(sql: queries.versions, arguments: arguments)
        var points: [Key: [String]] = [:]
        let pointRows = try db.fetchCursor(sql: queries.points, arguments: arguments)
        while let row = try pointRows.next() {
            let key = Key(id: row["resource"], version: row["version"])
            if wanted.contains(key) { points[key, default: []].append(row["point"]) }
        }
        var found: [Key: Resource] = [:]
        let rows = try db.fetchCursor(sql: queries.versions, arguments: arguments)
        while let row = try rows.next() {
            let key = Key(id: row["resource"], version: row["version"])
            guard wanted.contains(key) else { continue }
            found[key] = Resource(
                id: key.id,
                version: key.version,
                title: row["title"],
                description: row["description"],
                major: row["major"],
                course: row["course"],
                knowledgePoints: points[key] ?? [],
                original: row["original"],
                kind: ResourceKind(rawValue: row["kind"])!,
                mime: row["mime"],
                size: row["size"],
                sha256: row["sha256"],
                canonicalName: row["canonicalName"],
                status: ReviewStatus(rawValue: row["status"])!,
                license: row["license"],
                tags: Self.tags(row["tags"]),
                source: row["source"],
                createdBy: row["username"],
                createdAt: row["resourceCreatedAt"],
                updatedAt: row["createdAt"]
            )
        }
        return keys.compactMap { found[Key(id: $0.id, version: $0.version)] }
    }

    /// Sends ahead what `fetch` reads for the resource `id`, so that a read checking its state first waits once.
    static func sendFetchAhead(_ db: any SQLConnection, id: String) {
        let queries = Self.fetchQueries(count: 1)
        let arguments: SQLArguments = [id.lowercased()]
        db.sendAhead(sql: queries.points, arguments: arguments)
        db.sendAhead(sql: queries.versions, arguments: arguments)
    }

    /// The two queries of `fetch` for `count` resources: every version's points, and every version with its blob.
    private static func fetchQueries(count: Int) -> (points: String, versions: String) {
        let marks = databaseQuestionMarks(count: count)
        return (
            points: """
            SELECT resource, version, point FROM resourceVersionPoints WHERE resource IN (\(marks))
            ORDER BY resource, version, position
            """,
            // By resource along the primary key, the versions not asked for left out by the caller: SQLite does not
            // look a row-value list up in an index inside a join, and a resource has few versions.
            versions: """
            SELECT r.status, r.createdAt AS resourceCreatedAt, u.username, v.*, b.mime, b.size
            FROM resources r
            JOIN resourceVersions v ON v.resource = r.id
            JOIN blobs b ON b.sha256 = v.sha256
            JOIN users u ON u.id = r.createdBy
            WHERE v.resource IN (\(marks))
            """
        )
    }
}

/// One line of a resource's version list.
public struct ResourceVersionSummary: Codable, Sendable, Equatable {
    public let version: Int
    public let title: String
    public let kind: ResourceKind
    public let mime: String
    public let size: Int64
    public let sha256: String
    public let canonicalName: String
    public let createdBy: String
    public let createdAt: Date
    /// Whether this is the version being worked on.
    public let current: Bool
    /// Whether this is the version learners see.
    public let published: Bool
}

/// One account's rating of a resource.
public struct Rating: Codable, Sendable, Equatable {
    public let resource: String
    /// Username of who rated.
    public let user: String
    /// 1 to 5.
    public let stars: Int
    public let comment: String?
    public let ratedAt: Date
}

/// A resource's ratings: their mean and one page of them.
public struct RatingSummary: Codable, Sendable, Equatable {
    /// One rating with its comment.
    public struct Entry: Codable, Sendable, Equatable {
        public let user: String
        public let displayName: String
        public let stars: Int
        public let comment: String?
        public let ratedAt: Date
    }

    /// Mean stars, nil without ratings.
    public let average: Double?
    public let items: [Entry]
    public let total: Int
    public let page: Int
    public let pageSize: Int
}
