import Foundation
import GranaryModel

/// The audit trail as the audit administrator reads it (安全审计): every event, filtered by actor, action, item,
/// outcome, address and time, a page at a time or exported as CSV. Only the auditor reads it here, and each read is
/// itself an event, so the auditor is audited too. Nobody can change or delete an event: the table refuses it on
/// both engines, and `granary verify` checks the hash chain.
public struct AuditTrail: Sendable {
    let database: LibraryDatabase

    /// The most events one export holds, newest first (a narrower filter gets the rest).
    public static let exportLimit = 100_000

    public init(database: LibraryDatabase) {
        self.database = database
    }

    /// A page of the events matching `filter`, newest first.
    public func search(_ filter: AuditFilter, page: PageRequest, viewer: User, address: String?) async throws -> Page<Event> {
        try Self.requireAuditor(viewer)
        try await self.recordRead(filter, format: "json", viewer: viewer, address: address)
        return try await self.database.read { db in
            let (items, total) = try EventLog.search(db, filter, offset: page.offset, limit: page.pageSize)
            return Page(items: items, total: total, request: page)
        }
    }

    /// The events matching `filter` as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese),
    /// newest first, at most `exportLimit` of them.
    public func exportCSV(_ filter: AuditFilter, viewer: User, address: String?) async throws -> String {
        try Self.requireAuditor(viewer)
        try await self.recordRead(filter, format: "csv", viewer: viewer, address: address)
        // A read transaction: an export of many events holds no other node's writes back.
        return try await self.database.read { db in
            var csv = "\u{FEFF}id,at,actor,action,itemType,itemId,outcome,address,before,after\r\n"
            let stamp = ISO8601DateFormatter()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            func json(_ value: JSONValue?) -> String {
                value.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            }
            try EventLog.forEach(db, filter, limit: Self.exportLimit) { event in
                let fields = [
                    String(event.id), stamp.string(from: event.at), event.actor ?? "", event.action, event.itemType, event.itemId,
                    event.outcome ?? "", event.address ?? "", json(event.before), json(event.after),
                ]
                csv += fields.map(Self.csvField).joined(separator: ",") + "\r\n"
            }
            return csv
        }
    }

    /// A CSV field, quoted when it holds a comma, quote or line break; a leading =, +, - or @ is prefixed with a
    /// quote mark so a spreadsheet shows it instead of running it as a formula.
    public static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The read is recorded before it runs, so it is in the trail it returns.
    private func recordRead(_ filter: AuditFilter, format: String, viewer: User, address: String?) async throws {
        try await self.database.write { db in
            try EventLog.record(
                db,
                actor: viewer.username,
                action: format == "csv" ? "audit.exported" : "audit.read",
                itemType: "audit",
                itemId: "events",
                after: filter,
                address: address,
                outcome: "success",
                at: self.database.clock.now()
            )
        }
    }

    private static func requireAuditor(_ viewer: User) throws {
        guard viewer.role == .auditor else {
            throw GranaryError.forbidden(LocalizedText(zh: "只有审计管理员能查阅审计记录", en: "Only audit administrators read the audit trail"))
        }
    }
}
