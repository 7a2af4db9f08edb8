import GranaryModel
import GranaryStore
import Hummingbird

/// Majors, courses and knowledge/skill points of the library, and the national major catalogue.
///
/// Reading is open to everyone (the course system is the library's public face); changing needs a teacher or admin.
struct CatalogueController {
    let catalogue: CatalogueStore
    let national: NationalCatalogue

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get("majors", use: self.listMajors)
        router.get("majors/{code}", use: self.getMajor)
        router.get("courses", use: self.listCourses)
        router.get("courses/{id}", use: self.getCourse)
        router.get("knowledge-points", use: self.listPoints)
        router.get("knowledge-points/{id}", use: self.getPoint)
        router.get("catalogue/majors", use: self.searchNationalMajors)

        let authenticated = router.group(context: AuthenticatedContext.self)
        authenticated.post("majors", use: self.createMajor)
        authenticated.patch("majors/{code}", use: self.updateMajor)
        authenticated.post("courses", use: self.createCourse)
        authenticated.patch("courses/{id}", use: self.updateCourse)
        authenticated.post("knowledge-points", use: self.createPoint)
    }

    private static let manage = LocalizedText(zh: "维护专业、课程和知识点", en: "manage majors, courses and points")

    // MARK: - Majors

    struct MajorInput: Decodable {
        let code: String
        let name: String?
        let level: MajorLevel?
        let role: MajorRole
    }

    @Sendable func createMajor(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let input = try await request.decodeJSON(as: MajorInput.self, context: context)
        let major = try await self.catalogue.createMajor(
            code: input.code,
            name: input.name,
            level: input.level,
            role: input.role,
            actor: context.user.username
        )
        return try .json(major, status: .created)
    }

    struct MajorPatch: Decodable {
        let name: String?
        let role: MajorRole?
    }

    @Sendable func updateMajor(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let code = try context.parameters.require("code")
        let patch = try await request.decodeJSON(as: MajorPatch.self, context: context)
        return try .json(try await self.catalogue.updateMajor(code: code, name: patch.name, role: patch.role, actor: context.user.username))
    }

    @Sendable func getMajor(request: Request, context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        guard let major = try await self.catalogue.major(code: code) else { throw GranaryError.notFound(LocalizedText(zh: "专业", en: "Major"), code) }
        return try .json(major)
    }

    @Sendable func listMajors(request: Request, context: AppRequestContext) async throws -> Response {
        try .json(try await self.catalogue.majors(try request.uri.pageRequest()))
    }

    @Sendable func searchNationalMajors(request: Request, context: AppRequestContext) async throws -> Response {
        let page = try request.uri.pageRequest()
        let found = self.national.search(request.uri.value("q"), level: try request.uri.value("level", as: MajorLevel.self))
        return try .json(Page(items: Array(found.dropFirst(page.offset).prefix(page.pageSize)), total: found.count, request: page))
    }

    // MARK: - Courses

    struct CourseInput: Decodable {
        let id: String?
        let name: String
        let major: String
        let category: CourseCategory
        let hours: Int?
        let standard: String?
    }

    @Sendable func createCourse(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let input = try await request.decodeJSON(as: CourseInput.self, context: context)
        let course = try await self.catalogue.createCourse(
            id: input.id,
            name: input.name,
            major: input.major,
            category: input.category,
            hours: input.hours,
            standard: input.standard,
            actor: context.user.username
        )
        return try .json(course, status: .created)
    }

    struct CoursePatch: Decodable {
        let name: String?
        let category: CourseCategory?
        let hours: Int?
        let standard: String?
    }

    @Sendable func updateCourse(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let id = try context.parameters.require("id")
        let patch = try await request.decodeJSON(as: CoursePatch.self, context: context)
        let course = try await self.catalogue.updateCourse(
            id: id,
            name: patch.name,
            category: patch.category,
            hours: patch.hours,
            standard: patch.standard,
            actor: context.user.username
        )
        return try .json(course)
    }

    @Sendable func getCourse(request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let course = try await self.catalogue.course(id: id) else { throw GranaryError.notFound(LocalizedText(zh: "课程", en: "Course"), id) }
        return try .json(course)
    }

    @Sendable func listCourses(request: Request, context: AppRequestContext) async throws -> Response {
        let courses = try await self.catalogue.courses(
            major: request.uri.value("major"),
            category: try request.uri.value("category", as: CourseCategory.self),
            try request.uri.pageRequest()
        )
        return try .json(courses)
    }

    // MARK: - Knowledge and skill points

    struct PointInput: Decodable {
        let id: String?
        let name: String
        let course: String
        let kind: PointKind
        let prerequisites: [String]?
    }

    @Sendable func createPoint(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let input = try await request.decodeJSON(as: PointInput.self, context: context)
        let point = try await self.catalogue.createPoint(
            id: input.id,
            name: input.name,
            course: input.course,
            kind: input.kind,
            prerequisites: input.prerequisites ?? [],
            actor: context.user.username
        )
        return try .json(point, status: .created)
    }

    @Sendable func getPoint(request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let point = try await self.catalogue.point(id: id) else {
            throw GranaryError.notFound(LocalizedText(zh: "知识点", en: "Knowledge point"), id)
        }
        return try .json(point)
    }

    @Sendable func listPoints(request: Request, context: AppRequestContext) async throws -> Response {
        let points = try await self.catalogue.points(
            course: request.uri.value("course"),
            kind: try request.uri.value("kind", as: PointKind.self),
            try request.uri.pageRequest()
        )
        return try .json(points)
    }
}
