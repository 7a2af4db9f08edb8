import Foundation
import GranaryModel
import GranaryReview
import Hummingbird
import NIOCore

/// The monitoring report, as JSON or as a Chinese page.
struct ReportController {
    let reports: ReportService

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.group(context: AuthenticatedContext.self).get("report", use: self.report)
    }

    @Sendable func report(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.admin, .reviewer, .teacher, to: LocalizedText(zh: "查看监测报告", en: "read the monitoring report"))
        let year = try request.uri.positiveInt("year") ?? self.reports.currentYear()
        guard (2000...2100).contains(year) else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "年份应在 2000–2100 之间", en: "year must be 2000 to 2100"),
                errors: [FieldError(field: "year", message: LocalizedText(zh: "年份无效", en: "invalid year"))]
            )
        }
        let report = try await self.reports.report(year: year)
        switch request.uri.value("format") {
        case nil, "json":
            return try .json(report)
        case "html":
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"],
                body: .init(byteBuffer: ByteBuffer(string: ReportPage.render(report)))
            )
        case let other?:
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "不支持的格式“\(other)”（json 或 html）", en: "Unsupported format '\(other)' (json or html)"),
                errors: [FieldError(field: "format", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
    }
}
