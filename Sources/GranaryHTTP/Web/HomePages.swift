import Foundation
import GranaryModel
import GranaryStore
import Hummingbird

/// The home page (the core major, its talent plan and course-system map) and the list of courses.
struct HomePages: Sendable {
    let pages: Pages
    let catalogue: CatalogueStore

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("", use: self.home)
        pages.get("courses", use: self.courseList)
    }

    struct HomePage: Sendable {
        struct PlannedCourse: Sendable {
            let name: String
            let category: String
            let hours: Int
            let semester: Int
            let credits: String
        }

        struct Practice: Sendable {
            let name: String
            let semester: String
            let weeks: String
            let hours: String
            let description: String
        }

        let code: String
        let name: String
        let level: String
        let mapURL: String
        let goals: String?
        let jobs: [String]
        let courses: [PlannedCourse]
        let practice: [Practice]
        let graduation: [String]
        let totalHours: Int
        let servedMajors: [String]
        let signedIn: Bool
    }

    struct NoMajorPage: Sendable {
        let signedIn: Bool
    }

    @Sendable func home(request: Request, context: AppRequestContext) async throws -> Response {
        let names = try await self.pages.names.current()
        guard let major = names.coreMajor else {
            return try await self.pages.render("empty", title: "首页", page: NoMajorPage(signedIn: context.user != nil), context: context, path: "/")
        }
        // The same store call as GET /api/v1/majors/{code}/plan.
        let plan = try await self.catalogue.plan(major: major.code)
        var jobs: [String] = []
        for id in plan?.jobs ?? [] {
            jobs.append(try await self.catalogue.job(id: id)?.name ?? id)
        }
        let page = HomePage(
            code: major.code,
            name: major.name,
            level: major.level.rawValue,
            mapURL: "/api/v1/graph/majors/\(Pages.queryEscaped(major.code))?format=svg",
            goals: plan?.goals,
            jobs: jobs,
            courses: (plan?.courses ?? []).map { planned in
                let course = names.courses[planned.course]
                return HomePage.PlannedCourse(
                    name: course?.name ?? planned.course,
                    category: course?.category.chineseName ?? "",
                    hours: planned.hours,
                    semester: planned.semester,
                    credits: planned.credits.map { $0.formatted(.number.precision(.fractionLength(0...1))) } ?? "—"
                )
            },
            practice: (plan?.practice ?? []).map { block in
                HomePage.Practice(
                    name: block.name,
                    semester: block.semester.map { "第 \($0) 学期" } ?? "—",
                    weeks: block.weeks.map { "\($0) 周" } ?? "—",
                    hours: block.hours.map(String.init) ?? "—",
                    description: block.description ?? ""
                )
            },
            graduation: plan?.graduation ?? [],
            totalHours: plan?.totalHours ?? 0,
            servedMajors: names.majors.values.filter { $0.role == .served }.sorted { $0.code < $1.code }.map { "\($0.name)（\($0.code)）" },
            signedIn: context.user != nil
        )
        return try await self.pages.render("home", title: "首页", page: page, context: context, path: "/")
    }

    struct CourseListPage: Sendable {
        struct Group: Sendable {
            let major: String
            let courses: [Item]
        }

        struct Item: Sendable {
            let name: String
            let category: String
            let hours: String
            let searchURL: String
        }

        let groups: [Group]
    }

    @Sendable func courseList(request: Request, context: AppRequestContext) async throws -> Response {
        _ = try self.pages.viewer(context)
        let names = try await self.pages.names.current()
        let page = CourseListPage(
            groups: names.coursesByMajor.map { major, courses in
                CourseListPage.Group(
                    major: "\(major.name)（\(major.code)）",
                    courses: courses.map { course in
                        CourseListPage.Item(
                            name: course.name,
                            category: course.category.chineseName,
                            hours: course.hours.map { "\($0) 学时" } ?? "",
                            searchURL: Pages.link("/search", [("course", course.id)])
                        )
                    }
                )
            }
        )
        return try await self.pages.render("courses", title: "课程目录", page: page, context: context, path: "/courses")
    }
}
