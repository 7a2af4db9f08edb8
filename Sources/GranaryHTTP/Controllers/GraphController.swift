import Foundation
import GranaryAssessment
import GranaryGraph
import GranaryModel
import Hummingbird
import NIOCore

/// The knowledge graph: a major's course system as JSON or a drawn map, the jobs a course leads to, a job's learning
/// path, and the gaps.
///
/// The map and the job reachability are public like the rest of the course system; a job's path lists resources, so
/// it needs a log-in; the gaps are for the people who fill them (teachers, reviewers, admins). The map coloured by a
/// learner's mastery is theirs alone.
struct GraphController {
    let graph: GraphService
    let mastery: MasteryStore

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get("graph/majors/{code}", use: self.courseSystem)
        router.get("graph/courses/{id}/jobs", use: self.jobsOfCourse)
        let authenticated = router.group(context: AuthenticatedContext.self)
        authenticated.get("graph/jobs/{id}/path", use: self.jobPath)
        authenticated.get("graph/gaps", use: self.gaps)
        authenticated.get("graph/majors/{code}/mastery", use: self.masteryMap)
        authenticated.get("me/path", use: self.myPath)
    }

    /// The viewer's learning path to `job=` (学习路径): what is left to master, prerequisites first.
    @Sendable func myPath(request: Request, context: AuthenticatedContext) async throws -> Response {
        guard let job = request.uri.value("job"), !job.isEmpty else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "请给出目标岗位 job", en: "job is required"),
                errors: [FieldError(field: "job", message: LocalizedText(zh: "必填", en: "required"))]
            )
        }
        let path = try await self.mastery.standing(on: try await self.graph.learningPath(job: job), of: context.user)
        var response = try Response.json(path)
        response.headers[.cacheControl] = "private, no-store"
        return response
    }

    /// The drawn map as a response: an image that can run nothing.
    private static func map(_ svg: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "image/svg+xml; charset=utf-8",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: svg))
        )
    }

    /// The major's map with each point the viewer has answered on filled by how well they master it (SVG).
    @Sendable func masteryMap(request: Request, context: AuthenticatedContext) async throws -> Response {
        let code = try context.parameters.require("code")
        let system = try await self.graph.courseSystem(major: code)
        let mastery = try await self.mastery.mastery(of: context.user)
        let name = system.nodes.first?.name ?? code
        var response = Self.map(
            CourseSystemMap.svg(
                system,
                title: "\(code) \(name) 课程体系图谱 · \(context.user.displayName) 的掌握度",
                mastery: Dictionary(mastery.map { ($0.point, $0.mastery) }, uniquingKeysWith: { first, _ in first })
            )
        )
        response.headers[.cacheControl] = "private, no-store"
        return response
    }

    @Sendable func courseSystem(request: Request, context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        let format = request.uri.value("format") ?? "json"
        guard format == "json" || format == "svg" else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "不支持的格式“\(format)”（json 或 svg）", en: "Unsupported format '\(format)' (json or svg)"),
                errors: [FieldError(field: "format", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        let system = try await self.graph.courseSystem(major: code)
        guard format == "svg" else { return try .json(system) }
        let name = system.nodes.first?.name ?? code
        return Self.map(CourseSystemMap.svg(system, title: "\(code) \(name) 课程体系图谱"))
    }

    @Sendable func jobsOfCourse(request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        return try .json(try await self.graph.jobs(reachableFromCourse: id))
    }

    @Sendable func jobPath(request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.require("id")
        return try .json(try await self.graph.path(job: id))
    }

    @Sendable func gaps(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .reviewer, .admin, to: LocalizedText(zh: "查看课程体系缺口", en: "read the course-system gaps"))
        guard let major = request.uri.value("major") else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "请用 major 参数指定专业代码", en: "Name the major with the major parameter"),
                errors: [FieldError(field: "major", message: LocalizedText(zh: "必填", en: "required"))]
            )
        }
        return try .json(try await self.graph.gaps(major: major))
    }
}
