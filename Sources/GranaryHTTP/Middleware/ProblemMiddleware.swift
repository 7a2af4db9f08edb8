import GRDB
import GranaryModel
import GranaryStore
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into an `application/problem+json` answer with a stable `code`.
///
/// Domain errors carry their own code; framework errors get one by status; anything else is logged in full and
/// answered with a bare 500, so no stack trace, SQL or path ever reaches a client.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, request: request, logger: context.logger)
        }
    }

    static func response(for error: any Error, request: Request, logger: Logger) -> Response {
        let english = request.prefersEnglish
        switch error {
        case let error as GranaryError:
            var headers: HTTPFields = [:]
            if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
            return Problem(error, english: english).response(status: error.code.status, headers: headers)
        case let error as RateLimited:
            let problem = Problem(GranaryError(.rateLimited, error.detail), english: english)
            return problem.response(status: .tooManyRequests, headers: [.retryAfter: String(error.retryAfter)])
        case let error as RangeNotSatisfiable:
            var headers: HTTPFields = [:]
            headers[.contentRange] = error.headers[.contentRange]
            let detail = LocalizedText(zh: "请求的字节范围超出文件大小", en: "The requested byte range lies outside the file")
            return Problem(GranaryError(.rangeNotSatisfiable, detail), english: english).response(status: .rangeNotSatisfiable, headers: headers)
        case let error as any HTTPResponseError:
            return Self.problem(forStatus: error.status, english: english)
        case let error as BlobError where error.isOutOfSpace:
            logger.error("storage full: \(error)")
            return Problem(GranaryError(.insufficientStorage, Self.full), english: english).response(
                status: GranaryError.Code.insufficientStorage.status
            )
        case let error as BlobStoreUnavailable:
            logger.error("object store unavailable: \(error)")
            let detail = LocalizedText(
                zh: "文件存储服务暂时无法访问，本次操作未完成，已存内容不受影响；请稍后重试",
                en: "The file store cannot be reached just now; nothing of this request was saved and stored content is unaffected. Retry later"
            )
            return Problem(GranaryError(.storageUnavailable, detail), english: english).response(
                status: GranaryError.Code.storageUnavailable.status,
                headers: [.retryAfter: "5"]
            )
        case let error where SQLFailure.kind(of: error) == .full:
            logger.error("database full: \(error)")
            return Problem(GranaryError(.insufficientStorage, Self.full), english: english).response(
                status: GranaryError.Code.insufficientStorage.status
            )
        case let error where SQLFailure.kind(of: error) == .constraint:
            // Every rule is checked before writing; the database's own constraints are the last line, not a 500.
            logger.warning("constraint refused a change the checks let through: \(error)")
            return Self.problem(for: .conflict, english: english)
        case let error where SQLFailure.kind(of: error) == .unavailable:
            // A cluster's database is away (a primary lost, a standby being promoted): nothing was written.
            logger.error("database unavailable: \(error)")
            let detail = LocalizedText(
                zh: "数据库暂时无法访问，本次操作未完成，已存内容不受影响；请稍后重试",
                en: "The database cannot be reached just now; nothing of this request was saved. Retry later"
            )
            return Problem(GranaryError(.storageUnavailable, detail), english: english).response(
                status: GranaryError.Code.storageUnavailable.status,
                headers: [.retryAfter: "5"]
            )
        default:
            logger.error("unexpected error: \(String(reflecting: error))")
            return Problem(
                code: "internal_error",
                status: .internalServerError,
                title: LocalizedText(zh: "服务器内部错误", en: "Internal server error"),
                detail: LocalizedText(zh: "服务器出错了，请稍后再试；问题已记录。", en: "Something went wrong on the server; it has been logged."),
                errors: [],
                english: english
            ).response(status: .internalServerError)
        }
    }

    /// What a person is told when the disk is full: nothing was saved, and what to do.
    private static var full: LocalizedText {
        LocalizedText(
            zh: "服务器存储空间不足，本次提交未保存，已存内容不受影响；请联系管理员腾出空间后重试",
            en:
                "The server is out of storage space; nothing of this request was saved and stored content is unaffected. Ask an administrator to free space, then retry"
        )
    }

    private static func problem(for code: GranaryError.Code, english: Bool) -> Response {
        Problem(GranaryError(code, code.title), english: english).response(status: code.status)
    }

    /// Framework errors (no route, malformed path parameter, body over the JSON limit).
    private static func problem(forStatus status: HTTPResponse.Status, english: Bool) -> Response {
        let code: GranaryError.Code? =
            switch status.code {
            case 400: .invalidDocument
            case 401: .unauthorized
            case 403: .forbidden
            case 404: .notFound
            case 413: .payloadTooLarge
            case 415: .unsupportedMedia
            case 416: .rangeNotSatisfiable
            case 429: .rateLimited
            default: nil
            }
        if let code {
            let detail: LocalizedText =
                code == .invalidDocument
                ? LocalizedText(zh: "请求格式有误（例如路径中的编号格式不对）", en: "The request is malformed (for example an id in the path)") : code.title
            return Problem(GranaryError(code, detail), english: english).response(status: code.status)
        }
        let word = status.code >= 500 ? "internal_error" : "bad_request"
        let title = LocalizedText(zh: status.code >= 500 ? "服务器内部错误" : "请求有误", en: status.reasonPhrase)
        return Problem(code: word, status: status, title: title, detail: title, errors: [], english: english).response(status: status)
    }
}
