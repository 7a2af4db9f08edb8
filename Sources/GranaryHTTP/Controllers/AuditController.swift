import Foundation
import GranaryModel
import GranaryStore
import Hummingbird
import HummingbirdCore

/// The audit trail for the audit administrator: `GET /api/v1/audit`, as JSON pages or (`?format=csv`) a CSV file.
struct AuditController {
    let audit: AuditTrail

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.group(context: AuthenticatedContext.self).get("audit", use: self.list)
    }

    @Sendable func list(request: Request, context: AuthenticatedContext) async throws -> Response {
        let filter = try Self.filter(request.uri)
        let csv = try request.uri.value("format", as: Format.self) == .csv
        if csv {
            let text = try await self.audit.exportCSV(filter, viewer: context.user, address: context.remoteAddress)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: ContentDisposition.header(disposition: "attachment", fileName: "审计记录.csv", fallbackName: "audit.csv"),
                ],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        let page = try await self.audit.search(filter, page: try request.uri.pageRequest(), viewer: context.user, address: context.remoteAddress)
        return try .json(page)
    }

    enum Format: String {
        case json, csv
    }

    /// The filter from the query: actor, action (a kind when it ends in a dot), itemType, itemId, outcome, address,
    /// and from / to as a date (`2026-12-01`, China time) or an ISO 8601 time.
    static func filter(_ uri: URI) throws -> AuditFilter {
        var filter = AuditFilter(
            actor: uri.value("actor"),
            action: uri.value("action"),
            itemType: uri.value("itemType"),
            itemId: uri.value("itemId"),
            outcome: try uri.value("outcome", as: Outcome.self)?.rawValue,
            address: uri.value("address")
        )
        filter.from = try uri.value("from").map { try Self.time($0, field: "from") }
        filter.to = try uri.value("to").map { try Self.time($0, field: "to", endOfDay: true) }
        for (field, value) in [("actor", filter.actor), ("action", filter.action), ("itemType", filter.itemType), ("itemId", filter.itemId)] {
            if let value, value.count > 200 {
                throw GranaryError(
                    .invalidQuery,
                    LocalizedText(zh: "参数 \(field) 过长（最多 200 字）", en: "Query parameter \(field) is too long (at most 200 characters)"),
                    errors: [FieldError(field: field, message: LocalizedText(zh: "过长", en: "too long"))]
                )
            }
        }
        return filter
    }

    enum Outcome: String {
        case success, failure, locked, denied
    }

    /// A time from the query: a whole day in China time (the start of it, or the end of it for `to`), or an
    /// ISO 8601 time with its zone.
    static func time(_ text: String, field: String, endOfDay: Bool = false) throws -> Date {
        let withTime = ISO8601DateFormatter()
        if let time = withTime.date(from: text) { return time }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "Asia/Shanghai")
        day.dateFormat = "yyyy-MM-dd"
        if text.count == 10, let start = day.date(from: text) { return endOfDay ? start.addingTimeInterval(24 * 3600) : start }
        throw GranaryError(
            .invalidQuery,
            LocalizedText(
                zh: "参数 \(field) 应为日期（如 2026-12-01）或带时区的时间（如 2026-12-01T08:00:00+08:00）",
                en: "Query parameter \(field) must be a date (2026-12-01) or an ISO 8601 time with a zone"
            ),
            errors: [FieldError(field: field, message: LocalizedText(zh: "时间格式有误", en: "invalid time"))]
        )
    }
}
