import Foundation
import GRDB
import GranaryModel
import GranaryStore

/// The audit queue (审核): pending items oldest first, exclusive claims, and decisions on the four checks.
///
/// A decision and what it does to the item (publish, reject, send back) commit in one write transaction, so two
/// reviewers deciding at once cannot both succeed: the second finds the item no longer pending.
public struct ReviewService: Sendable {
    private let database: LibraryDatabase
    /// How long a claim keeps other reviewers off an item.
    public let claimDuration: TimeInterval

    /// Creates the service; claims last `claimDuration` seconds.
    public init(database: LibraryDatabase, claimDuration: TimeInterval = 30 * 60) {
        self.database = database
        self.claimDuration = claimDuration
    }

    /// A live claim on a queued item.
    public struct Claim: Codable, Sendable, Equatable {
        public let itemType: ReviewItemType
        public let itemId: String
        /// Username of the reviewer.
        public let reviewer: String
        public let claimedAt: Date
        public let expiresAt: Date
    }

    // MARK: - Queue

    /// Pending items of one type, oldest first, with their age and live claim.
    public func queue(_ type: ReviewItemType, viewer: User, _ page: PageRequest, now: Date? = nil) async throws -> Page<QueueItem> {
        try Self.requireReviewer(viewer)
        let now = now ?? self.database.clock.now()
        return try await self.database.read { db in
            let (pending, total) = try ReviewedItems.of(type).pending(db, limit: page.pageSize, offset: page.offset)
            let claims = try Self.liveClaims(db, type, ids: pending.map(\.state.id), now: now)
            let items = pending.map { item in
                QueueItem(
                    itemType: type,
                    id: item.state.id,
                    version: item.state.currentVersion,
                    title: item.title,
                    kind: item.kind,
                    course: item.course,
                    author: item.author,
                    submittedAt: item.state.submittedAt,
                    ageSeconds: max(0, Int(now.timeIntervalSince(item.state.submittedAt))),
                    claimedBy: claims[item.state.id]?.reviewer,
                    claimExpiresAt: claims[item.state.id]?.expiresAt
                )
            }
            return Page(items: items, total: total, request: page)
        }
    }

    /// The live claims on `ids`: who holds each and until when.
    private static func liveClaims(
        _ db: any SQLConnection,
        _ type: ReviewItemType,
        ids: [String],
        now: Date
    ) throws -> [String: (reviewer: String, expiresAt: Date)] {
        let rows = try db.fetchAll(
            sql: """
                SELECT itemId, reviewer, expiresAt FROM reviewClaims
                WHERE itemType = ? AND expiresAt > ? AND itemId IN (SELECT value FROM \(db.engine.jsonArrayElements()))
                """,
            arguments: [type.rawValue, now, String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)]
        )
        let names = try Accounts.usernames(db, ids: Set(rows.map { $0["reviewer"] as String }))
        var claims: [String: (reviewer: String, expiresAt: Date)] = [:]
        for row in rows {
            claims[row["itemId"]] = (names[row["reviewer"]] ?? row["reviewer"], row["expiresAt"])
        }
        return claims
    }

    // MARK: - Claims

    /// Claims a pending item for `reviewer` for `claimDuration`; claiming again extends the claim.
    public func claim(_ type: ReviewItemType, id: String, reviewer: User, now: Date? = nil) async throws -> Claim {
        try Self.requireReviewer(reviewer)
        let now = now ?? self.database.clock.now()
        let claim = Claim(
            itemType: type,
            itemId: id,
            reviewer: reviewer.username,
            claimedAt: now,
            expiresAt: now.addingTimeInterval(self.claimDuration)
        )
        try await self.database.write { db in
            let item = try Self.item(db, type, id: id)
            try Self.checkDecidable(item, by: reviewer, action: "review.claimed")
            try Self.checkClaim(db, type, id: item.id, reviewer: reviewer, now: now)
            try db.execute(
                sql: """
                    INSERT INTO reviewClaims (itemType, itemId, reviewer, claimedAt, expiresAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (itemType, itemId) DO UPDATE
                    SET reviewer = excluded.reviewer, claimedAt = excluded.claimedAt, expiresAt = excluded.expiresAt
                    """,
                arguments: [type.rawValue, item.id, reviewer.id, now, claim.expiresAt]
            )
            try EventLog.record(
                db,
                actor: reviewer.username,
                action: "review.claimed",
                itemType: type.rawValue,
                itemId: item.id,
                after: claim,
                at: now
            )
        }
        return claim
    }

    // MARK: - Decisions

    /// Records a decision on the item's current version and applies it, in one transaction.
    ///
    /// Approval needs all four checks; rejecting or asking for changes needs a comment. With `version`, the
    /// decision only applies if that is still the version under review.
    public func decide(
        _ type: ReviewItemType,
        id: String,
        decision: ReviewDecision,
        checks: ReviewChecks,
        comment: String?,
        version: Int?,
        reviewer: User,
        now: Date? = nil
    ) async throws -> Review {
        try Self.requireReviewer(reviewer)
        let now = now ?? self.database.clock.now()
        let comment = comment?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        try Self.checkDecision(decision, checks: checks, comment: comment)
        return try await self.database.write { db in
            let item = try Self.item(db, type, id: id)
            try Self.checkDecidable(item, by: reviewer, action: "review.\(decision.rawValue)")
            if let version, version != item.currentVersion {
                throw GranaryError(
                    .conflict,
                    LocalizedText(zh: "待审版本已变为第 \(item.currentVersion) 版", en: "The version under review is now \(item.currentVersion)"),
                    errors: [FieldError(field: "version", message: LocalizedText(zh: "不是当前待审版本", en: "not the version under review"))]
                )
            }
            try Self.checkClaim(db, type, id: item.id, reviewer: reviewer, now: now)
            let reviewId = try db.fetchValue(
                Int64.self,
                sql: """
                    INSERT INTO reviews (itemType, itemId, version, reviewer, decision, political, scientific, applicability, normativity, comment, decidedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """,
                arguments: [
                    type.rawValue, item.id, item.currentVersion, reviewer.id, decision.rawValue, checks.political, checks.scientific,
                    checks.applicability, checks.normativity, comment, now,
                ]
            )
            let review = Review(
                id: reviewId,
                itemType: type,
                itemId: item.id,
                version: item.currentVersion,
                reviewer: reviewer.username,
                decision: decision,
                checks: checks,
                comment: comment,
                decidedAt: now
            )
            try ReviewedItems.of(type).decide(db, item, decision, at: now)
            try db.execute(sql: "DELETE FROM reviewClaims WHERE itemType = ? AND itemId = ?", arguments: [type.rawValue, item.id])
            try EventLog.record(
                db,
                actor: reviewer.username,
                action: "\(type.rawValue).\(decision.resultingStatus.rawValue)",
                itemType: type.rawValue,
                itemId: item.id,
                before: ["status": "pending"],
                after: review,
                at: now
            )
            return review
        }
    }

    /// Every review of an item, oldest first: for its author, reviewers and admins.
    public func reviews(_ type: ReviewItemType, id: String, viewer: User) async throws -> [Review] {
        try await self.database.read { db in
            // Sent before the refusal is known, and shown only after it.
            let query = (
                sql: "SELECT * FROM reviews WHERE itemType = ? AND itemId = ? ORDER BY id",
                arguments: [type.rawValue, ReviewedItems.of(type).key(id)] as SQLArguments
            )
            db.sendAhead(sql: query.sql, arguments: query.arguments)
            let item = try Self.item(db, type, id: id)
            guard viewer.role == .reviewer || viewer.role == .admin || item.createdBy == viewer.id else {
                throw GranaryError.forbidden(LocalizedText(zh: "只有作者和审核员能查看审核意见", en: "Only the author and reviewers see reviews"))
            }
            let rows = try db.fetchAll(sql: query.sql, arguments: query.arguments)
            let names = try Accounts.usernames(db, ids: Set(rows.map { $0["reviewer"] as String }))
            return rows.map { row in
                Review(
                    id: row["id"],
                    itemType: type,
                    itemId: row["itemId"],
                    version: row["version"],
                    reviewer: names[row["reviewer"]] ?? row["reviewer"],
                    decision: ReviewDecision(rawValue: row["decision"])!,
                    checks: ReviewChecks(
                        political: row["political"],
                        scientific: row["scientific"],
                        applicability: row["applicability"],
                        normativity: row["normativity"]
                    ),
                    comment: row["comment"],
                    decidedAt: row["decidedAt"]
                )
            }
        }
    }

    // MARK: - Rules

    /// A resource or question, whoever asks; who may decide on it is checked by the caller.
    private static func item(_ db: any SQLConnection, _ type: ReviewItemType, id: String) throws -> ReviewedState {
        let items = ReviewedItems.of(type)
        guard let state = try items.state(db, id: id) else { throw items.notFound(id) }
        return state
    }

    private static func requireReviewer(_ user: User) throws {
        guard user.role == .reviewer || user.role == .admin else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有审核员能审核", en: "Only reviewers review"))
        }
    }

    private static func checkDecidable(_ item: ReviewedState, by reviewer: User, action: String) throws {
        guard item.createdBy != reviewer.id else {
            throw GranaryError.forbidden(LocalizedText(zh: "不能审核自己提交的内容", en: "Nobody reviews their own content"))
        }
        guard item.status == .pending else {
            throw GranaryError.invalidTransition(from: item.status.rawValue, action: action)
        }
    }

    private static func checkClaim(_ db: any SQLConnection, _ type: ReviewItemType, id: String, reviewer: User, now: Date) throws {
        let holderId = try db.fetchOne(
            String.self,
            sql: "SELECT reviewer FROM reviewClaims WHERE itemType = ? AND itemId = ? AND expiresAt > ? AND reviewer <> ?",
            arguments: [type.rawValue, id, now, reviewer.id]
        )
        if let holderId {
            let holder = try Accounts.username(db, id: holderId)
            throw GranaryError(.conflict, LocalizedText(zh: "该条目已被“\(holder)”认领审核", en: "The item is claimed by '\(holder)'"))
        }
    }

    private static func checkDecision(_ decision: ReviewDecision, checks: ReviewChecks, comment: String?) throws {
        switch decision {
        case .approve where !checks.allPassed:
            let failed = [
                ("political", checks.political, "政治性"), ("scientific", checks.scientific, "科学性"),
                ("applicability", checks.applicability, "适用性"), ("normativity", checks.normativity, "规范性"),
            ].filter { !$0.1 }
            throw GranaryError(
                .validationFailed,
                LocalizedText(
                    zh: "通过审核须四项检查全部合格，未合格：\(failed.map(\.2).joined(separator: "、"))",
                    en: "Approval needs all four checks; failed: \(failed.map(\.0).joined(separator: ", "))"
                ),
                errors: failed.map { FieldError(field: "checks.\($0.0)", message: LocalizedText(zh: "\($0.2)未勾选合格", en: "\($0.0) not passed")) }
            )
        case .reject, .requestChanges:
            guard comment != nil else {
                throw GranaryError(
                    .validationFailed,
                    LocalizedText(zh: "驳回或要求修改时须写明意见", en: "Rejecting or asking for changes needs a comment"),
                    errors: [FieldError(field: "comment", message: LocalizedText(zh: "必填", en: "required"))]
                )
            }
        default:
            break
        }
    }
}

extension String {
    /// nil for an empty string.
    fileprivate var nilIfEmpty: String? { self.isEmpty ? nil : self }
}
