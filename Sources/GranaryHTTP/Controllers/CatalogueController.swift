import GranaryModel
import GranaryStore
import Hummingbird

/// Majors, courses, knowledge/skill points, jobs and talent plans of the library, the whole-system import, and the
/// national vocabularies (major catalogue 2021, occupation classification 2022).
///
/// Reading is open to everyone (the course system is the library's public face); changing needs a teacher or admin.
struct CatalogueController {
    let catalogue: CatalogueStore
    let national: NationalCatalogue
    let occupations: OccupationClassification

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get("majors", use: self.listMajors)
        router.get("majors/{code}", use: self.getMajor)
        router.get("courses", use: self.listCourses)
        router.get("courses/{id}", use: self.getCourse)
        router.get("knowledge-points", use: self.listPoints)
        router.get("knowledge-points/{id}", use: self.getPoint)
        router.get("majors/{code}/plan", use: self.getPlan)
        router.get("jobs", use: self.listJobs)
        router.get("jobs/{id}", use: self.getJob)
        router.get("catalogue/majors", use: self.searchNationalMajors)
        router.get("catalogue/occupations", use: self.searchOccupations)

        let authenticated = router.group(context: AuthenticatedContext.self)
        authenticated.post("majors", use: self.createMajor)
        authenticated.patch("majors/{code}", use: self.updateMajor)
        authenticated.post("courses", use: self.createCourse)
        authenticated.patch("courses/{id}", use: self.updateCourse)
        authenticated.post("knowledge-points", use: self.createPoint)
        authenticated.put("majors/{code}/plan", use: self.savePlan)
        authenticated.post("jobs", use: self.createJob)
        authenticated.patch("jobs/{id}", use: self.updateJob)
        authenticated.post("catalogue/import", use: self.importDocument)
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

    @Sendable func searchOccupations(request: Request, context: AppRequestContext) async throws -> Response {
        let page = try request.uri.pageRequest()
        let level = try request.uri.positiveInt("level")
        guard level.map({ (1...4).contains($0) }) ?? true else {
            throw GranaryError(
                .invalidQuery,
                LocalizedText(zh: "level 应为 1–4（大类、中类、小类、细类）", en: "level must be 1 to 4"),
                errors: [FieldError(field: "level", message: LocalizedText(zh: "取值无效", en: "invalid value"))]
            )
        }
        let found = self.occupations.search(request.uri.value("q"), level: level)
        return try .json(Page(items: Array(found.dropFirst(page.offset).prefix(page.pageSize)), total: found.count, request: page))
    }

    // MARK: - Talent plans

    struct PlanInput: Decodable {
        let goals: String
        let jobs: [String]?
        let courses: [MajorPlan.PlannedCourse]
        let practice: [MajorPlan.Practice]?
        let graduation: [String]?
    }

    @Sendable func savePlan(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: LocalizedText(zh: "编写人才培养方案", en: "edit talent plans"))
        let code = try context.parameters.require("code")
        let input = try await request.decodeJSON(as: PlanInput.self, context: context)
        let plan = MajorPlan(
            major: code,
            goals: input.goals,
            jobs: input.jobs ?? [],
            courses: input.courses,
            practice: input.practice ?? [],
            graduation: input.graduation ?? []
        )
        return try .json(try await self.catalogue.savePlan(plan, actor: context.user.username))
    }

    @Sendable func getPlan(request: Request, context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        if let plan = try await self.catalogue.plan(major: code) { return try .json(plan) }
        guard try await self.catalogue.major(code: code) != nil else { throw GranaryError.notFound(LocalizedText(zh: "专业", en: "Major"), code) }
        throw GranaryError(.notFound, LocalizedText(zh: "专业“\(code)”还没有人才培养方案", en: "Major '\(code)' has no talent plan yet"))
    }

    // MARK: - Jobs

    struct JobInput: Decodable {
        let id: String?
        let name: String
        let occupationCode: String?
        let skills: [String]?
    }

    @Sendable func createJob(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let input = try await request.decodeJSON(as: JobInput.self, context: context)
        let job = try await self.catalogue.createJob(
            id: input.id,
            name: input.name,
            occupationCode: input.occupationCode,
            skills: input.skills ?? [],
            actor: context.user.username
        )
        return try .json(job, status: .created)
    }

    struct JobPatch: Decodable {
        let name: String?
        let occupationCode: String?
        let skills: [String]?
    }

    @Sendable func updateJob(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let id = try context.parameters.require("id")
        let patch = try await request.decodeJSON(as: JobPatch.self, context: context)
        let job = try await self.catalogue.updateJob(
            id: id,
            name: patch.name,
            occupationCode: patch.occupationCode,
            skills: patch.skills,
            actor: context.user.username
        )
        return try .json(job)
    }

    @Sendable func getJob(request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let job = try await self.catalogue.job(id: id) else { throw GranaryError.notFound(LocalizedText(zh: "岗位", en: "Job"), id) }
        return try .json(job)
    }

    @Sendable func listJobs(request: Request, context: AppRequestContext) async throws -> Response {
        let jobs = try await self.catalogue.jobs(query: request.uri.value("q"), skill: request.uri.value("skill"), try request.uri.pageRequest())
        return try .json(jobs)
    }

    // MARK: - Import

    @Sendable func importDocument(request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(.teacher, .admin, to: Self.manage)
        let document = try await request.decodeJSON(as: CatalogueDocument.self, context: context)
        let report = try await self.catalogue.importDocument(document, actor: context.user.username, english: request.prefersEnglish)
        return try .json(report)
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
