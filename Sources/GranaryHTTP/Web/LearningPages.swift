import Foundation
import GranaryAssessment
import GranaryGraph
import GranaryLearning
import GranaryModel
import GranaryStore
import Hummingbird

/// `/offerings`, `/offerings/{id}`, `/offerings/{id}/units/{unit}` and `/me`: the offerings teachers assemble (组课),
/// read through `OfferingStore`, `ProgressStore`, `DiscussionStore`, `LearnerRecommendations` and `MasteryStore` as
/// the API reads them. Enrolling, completing items and posting go from `app.js` to `/api/v1` itself.
struct LearningPages: Sendable {
    let pages: Pages
    let offerings: OfferingStore
    let progress: ProgressStore
    let discussions: DiscussionStore
    let learnerRecommendations: LearnerRecommendations
    let mastery: MasteryStore
    /// The learning paths to jobs (学习路径) and the jobs to choose from.
    let graph: GraphService
    let catalogue: CatalogueStore

    func addRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("offerings", use: self.offeringList)
        pages.get("offerings/new", use: self.offeringBuilder)
        pages.get("offerings/{id}", use: self.offeringPage)
        pages.get("offerings/{id}/edit", use: self.offeringBuilder)
        pages.get("offerings/{id}/units/{unit}", use: self.unitPage)
        pages.get("me", use: self.myLearning)
    }

    /// Whether `user` may change `offering` (its author or an admin).
    static func owns(_ offering: Offering, user: User) -> Bool {
        offering.createdBy == user.username || user.role == .admin
    }

    /// The offering's state on pages.
    static func statusName(_ status: Offering.Status) -> String {
        switch status {
        case .draft: "草稿"
        case .published: "已发布"
        case .withdrawn: "已下架"
        }
    }

    // MARK: - /offerings

    struct OfferingListPage: Sendable {
        struct Card: Sendable {
            let href: String
            let title: String
            let course: String
            let units: Int
            let items: Int
            let enrolled: Int
            let status: String
            let statusClass: String
            let unpublishedChanges: Bool
            let editHref: String
        }

        struct CourseOption: Sendable {
            let id: String
            let name: String
            let selected: Bool
        }

        let query: String
        let courses: [CourseOption]
        let cards: [Card]
        let total: Int
        let teaches: Bool
        let mine: [Card]
        let previous: String?
        let next: String?
    }

    @Sendable func offeringList(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let query = request.uri.queryParameters["q"].map(String.init)?.trimmingCharacters(in: .whitespaces)
        let course = request.uri.queryParameters["course"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let number = max(1, Int(request.uri.queryParameters["page"].map(String.init) ?? "") ?? 1)
        let pageRequest = PageRequest(page: number, pageSize: 12)
        let published = try await self.offerings.list(viewer: user, course: course, mine: false, query: query, pageRequest)
        let teaches = user.role == .teacher || user.role == .admin
        let mine =
            teaches ? try await self.offerings.list(viewer: user, course: nil, mine: true, query: nil, PageRequest(page: 1, pageSize: 100)).items : []
        let names = try await self.pages.names.current(courses: published.items.map(\.course) + mine.map(\.course))
        func card(_ offering: Offering) -> OfferingListPage.Card {
            OfferingListPage.Card(
                href: "/offerings/\(offering.id)",
                title: offering.title,
                course: names.courses[offering.course]?.name ?? offering.course,
                units: offering.units.count,
                items: offering.units.reduce(0) { $0 + $1.items.count },
                enrolled: offering.enrolled,
                status: Self.statusName(offering.status),
                statusClass: "status-" + offering.status.rawValue,
                unpublishedChanges: offering.unpublishedChanges == true && offering.revision != nil,
                editHref: "/offerings/\(offering.id)/edit"
            )
        }
        let pages = (published.total + pageRequest.pageSize - 1) / pageRequest.pageSize
        let page = OfferingListPage(
            query: query ?? "",
            courses: names.coursesByMajor.flatMap(\.courses).map { .init(id: $0.id, name: $0.name, selected: $0.id == course) },
            cards: published.items.map(card),
            total: published.total,
            teaches: teaches,
            mine: mine.map(card),
            previous: number > 1 ? Pages.link("/offerings", [("q", query), ("course", course), ("page", String(number - 1))]) : nil,
            next: number < pages ? Pages.link("/offerings", [("q", query), ("course", course), ("page", String(number + 1))]) : nil
        )
        return try await self.pages.render("offerings", title: "课程", page: page, context: context, path: "/offerings")
    }

    // MARK: - /offerings/{id}

    struct OfferingPage: Sendable {
        struct UnitView: Sendable {
            let number: Int
            let title: String
            let items: [Pages.ItemView]
            let completed: Int
            let total: Int
            let discussionHref: String
        }

        struct ProgressView: Sendable {
            let completed: Int
            let total: Int
            let percent: Int
            let nextHref: String?
            let nextTitle: String?
        }

        let id: String
        let title: String
        let course: String
        let description: String?
        let author: String
        let status: String
        let statusClass: String
        let enrolledCount: Int
        let published: Bool
        let isAuthor: Bool
        let unpublishedChanges: Bool
        let neverPublished: Bool
        let canEnrol: Bool
        let enrolled: Bool
        let progress: ProgressView?
        let units: [UnitView]
    }

    @Sendable func offeringPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let id = try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
        // The author and admins see the working copy (what the API calls the preview); everyone else the published revision.
        let offering = try await self.offerings.offering(id: id, viewer: user, preview: true)
        let progress = try await self.progress.progress(in: id, user: user)
        let done = Set(progress?.units.flatMap(\.done) ?? [])
        let names = try await self.pages.names.current(courses: [offering.course] + offering.units.flatMap { $0.items.compactMap(\.course) })
        let isAuthor = Self.owns(offering, user: user)
        let next = progress?.next
        let page = OfferingPage(
            id: id,
            title: offering.title,
            course: names.courses[offering.course]?.name ?? offering.course,
            description: offering.description,
            author: try await self.pages.personName(offering.createdBy),
            status: Self.statusName(offering.status),
            statusClass: "status-" + offering.status.rawValue,
            enrolledCount: offering.enrolled,
            published: offering.status == .published,
            isAuthor: isAuthor,
            unpublishedChanges: isAuthor && offering.revision != nil && offering.unpublishedChanges == true,
            neverPublished: offering.revision == nil,
            canEnrol: progress == nil && offering.status == .published && !isAuthor,
            enrolled: progress != nil,
            progress: progress.map {
                OfferingPage.ProgressView(
                    completed: $0.completed,
                    total: $0.total,
                    percent: Pages.percent($0.completed, of: $0.total),
                    nextHref: next.map { Pages.href(of: $0, offering: id) },
                    nextTitle: next?.title
                )
            },
            units: offering.units.enumerated().map { index, unit in
                let items = unit.items.map { Pages.itemView($0, offering: offering, done: done, names: names) }
                return OfferingPage.UnitView(
                    number: index + 1,
                    title: unit.title,
                    items: items,
                    completed: items.filter(\.done).count,
                    total: items.count,
                    discussionHref: "/offerings/\(id)/units/\(Pages.queryEscaped(unit.id))"
                )
            }
        )
        return try await self.pages.render("offering", title: offering.title, page: page, context: context, path: request.uri.path)
    }

    // MARK: - /offerings/{id}/units/{unit}

    struct UnitPage: Sendable {
        struct PostView: Sendable {
            let id: String
            let authorName: String
            let byTeacher: Bool
            let body: String?
            let hidden: Bool
            let time: String
            let canHide: Bool
            let replies: [PostView]
            /// 解答: the reply the offering's teacher marked as the answer, and whether the viewer may mark this one.
            let answer: Bool
            let canMarkAnswer: Bool
            /// Passages of the library suggested to the question when it was asked.
            let suggestions: [Suggestion]
            let hasSuggestions: Bool

            struct Suggestion: Sendable {
                let href: String
                let title: String
                let passage: String
            }
        }

        let offeringId: String
        let offeringHref: String
        let offeringTitle: String
        let unitId: String
        let number: Int
        let title: String
        let items: [Pages.ItemView]
        let threads: [PostView]
        let total: Int
        let canPost: Bool
        let previous: String?
        let next: String?
    }

    @Sendable func unitPage(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let id = try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
        let unitId = try context.parameters.require("unit")
        var offering = try await self.offerings.offering(id: id, viewer: user, preview: true)
        if !offering.units.contains(where: { $0.id == unitId }) {
            // A unit the author removed from the working copy still has its discussion in the published revision.
            offering = try await self.offerings.offering(id: id, viewer: user, preview: false)
        }
        guard let index = offering.units.firstIndex(where: { $0.id == unitId }) else {
            throw GranaryError.notFound(LocalizedText(zh: "单元", en: "Unit"), unitId)
        }
        let unit = offering.units[index]
        let number = max(1, Int(request.uri.queryParameters["page"].map(String.init) ?? "") ?? 1)
        let pageRequest = PageRequest(page: number, pageSize: 20)
        let threads = try await self.discussions.threads(offering: id, unit: unitId, viewer: user, pageRequest)
        let progress = try await self.progress.progress(in: id, user: user)
        let names = try await self.pages.names.current(courses: [offering.course] + unit.items.compactMap(\.course))
        let owner = Self.owns(offering, user: user)
        func view(_ post: Post) -> UnitPage.PostView {
            UnitPage.PostView(
                id: post.id,
                authorName: post.authorName,
                byTeacher: post.byTeacher,
                body: post.body,
                hidden: post.hidden,
                time: Pages.format(post.createdAt),
                canHide: owner && !post.hidden,
                replies: (post.replies ?? []).map(view),
                answer: post.answer,
                canMarkAnswer: owner && post.parent != nil && !post.hidden && !post.answer,
                suggestions: (post.suggestions ?? []).map { .init(href: "/resources/\($0.resource)", title: $0.title, passage: $0.passage) },
                hasSuggestions: !(post.suggestions ?? []).isEmpty
            )
        }
        let here = "/offerings/\(id)/units/\(Pages.queryEscaped(unitId))"
        let pages = (threads.total + pageRequest.pageSize - 1) / pageRequest.pageSize
        let page = UnitPage(
            offeringId: id,
            offeringHref: "/offerings/\(id)",
            offeringTitle: offering.title,
            unitId: unitId,
            number: index + 1,
            title: unit.title,
            items: unit.items.map { Pages.itemView($0, offering: offering, done: Set(progress?.units.flatMap(\.done) ?? []), names: names) },
            threads: threads.items.map(view),
            total: threads.total,
            // The same rule as DiscussionStore.post: enrolled learners, the offering's teacher, any teacher.
            canPost: progress != nil || owner || user.role == .teacher,
            previous: number > 1 ? Pages.link(here, [("page", String(number - 1))]) : nil,
            next: number < pages ? Pages.link(here, [("page", String(number + 1))]) : nil
        )
        return try await self.pages.render("unit", title: unit.title, page: page, context: context, path: request.uri.path)
    }

    // MARK: - /offerings/new and /offerings/{id}/edit

    struct OfferingBuilderPage: Sendable {
        let id: String?
        let heading: String
        let picker: Pages.CoursePicker
    }

    @Sendable func offeringBuilder(request: Request, context: AppRequestContext) async throws -> Response {
        // The same roles as POST /api/v1/offerings; the working copy itself is fetched by app.js from the API.
        let user = try self.pages.require(context, roles: .teacher, .admin, to: "组课")
        var id: String?
        var heading = "新建课程"
        if context.parameters.get("id") != nil {
            let offeringId = try context.parameters.require("id", as: UUID.self).uuidString.lowercased()
            let offering = try await self.offerings.offering(id: offeringId, viewer: user, preview: true)
            guard Self.owns(offering, user: user) else {
                throw GranaryError.forbidden(LocalizedText(zh: "只有组课教师本人和管理员能修改", en: "Only the offering's author and admins may change it"))
            }
            id = offeringId
            heading = "编辑课程：" + offering.title
        }
        let page = OfferingBuilderPage(id: id, heading: heading, picker: Pages.CoursePicker(try await self.pages.names.current()))
        return try await self.pages.render("offering-builder", title: heading, page: page, context: context, path: request.uri.path)
    }

    // MARK: - /me

    struct MyLearningPage: Sendable {
        struct Enrolment: Sendable {
            let href: String
            let title: String
            let course: String
            let completed: Int
            let total: Int
            let percent: Int
            let finished: Bool
            let nextHref: String?
            let nextTitle: String?
            let enrolledAt: String
        }

        struct Suggestion: Sendable {
            let href: String
            let title: String
            let kind: String
            let course: String
            let reason: String
        }

        /// A course's points the learner has answered questions on, weakest first.
        struct MasteryCourse: Sendable {
            struct Point: Sendable {
                let name: String
                /// 0–100.
                let percent: Int
                let answers: Int
                let level: String
                let levelName: String
            }

            let course: String
            /// The course's id, for 练一练.
            let courseId: String
            let points: [Point]
        }

        let name: String
        let enrolments: [Enrolment]
        let suggestions: [Suggestion]
        let mastery: [MasteryCourse]
        /// The map of the major of the courses answered on most, coloured by mastery.
        let masteryMap: String?
        /// Personal access tokens, for teachers and learners (who may make them).
        let tokens: Tokens?
        /// The jobs to choose a path to, and the chosen one's path.
        let jobs: [Job]
        let path: Path?

        struct Job: Sendable {
            let id: String
            let name: String
            let selected: Bool
        }

        struct Path: Sendable {
            struct Step: Sendable {
                struct Resource: Sendable {
                    let href: String
                    let title: String
                }

                let id: String
                let name: String
                let course: String
                let kindName: String
                let required: Bool
                let questions: Int
                let level: String
                let levelName: String
                /// "63%" when an answer assessed it.
                let figure: String?
                let next: Bool
                /// The course to practise the step in (练一练), when it has questions to practise with.
                let practiceCourse: String?
                let resources: [Resource]
                let hasResources: Bool
            }

            let job: String
            let total: Int
            let mastered: Int
            let percent: Int
            let steps: [Step]
        }

        struct Tokens: Sendable {
            struct Item: Sendable {
                let id: String
                let name: String
                let created: String
                let expires: String
                let lastUsed: String
            }

            let items: [Item]
        }
    }

    static let levelNames = ["mastered": "已掌握", "learning": "学习中", "weak": "薄弱", "new": "待练习"]

    @Sendable func myLearning(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try self.pages.viewer(context)
        let enrolments = try await self.progress.progress(user: user)
        let suggestions = try await self.learnerRecommendations.suggestions(for: user, limit: 8)
        let mastery = try await self.mastery.mastery(of: user)
        let names = try await self.pages.names.current(courses: enrolments.map(\.course) + suggestions.map(\.course) + mastery.map(\.course))
        var courses: [String] = []
        for point in mastery where !courses.contains(point.course) { courses.append(point.course) }
        var answersByMajor: [String: Int] = [:]
        for point in mastery { if let major = names.courses[point.course]?.major { answersByMajor[major, default: 0] += point.answers } }
        let major = answersByMajor.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
        let chosen = request.uri.value("job")
        var path: LearningPath? = nil
        if let chosen { path = try await self.mastery.standing(on: try await self.graph.learningPath(job: chosen), of: user) }
        let pathNames = try await self.pages.names.current(courses: path?.steps.compactMap(\.course?.id) ?? [])
        let page = MyLearningPage(
            name: user.displayName,
            enrolments: enrolments.map { progress in
                MyLearningPage.Enrolment(
                    href: "/offerings/\(progress.offering)",
                    title: progress.title,
                    course: names.courses[progress.course]?.name ?? progress.course,
                    completed: progress.completed,
                    total: progress.total,
                    percent: Pages.percent(progress.completed, of: progress.total),
                    finished: progress.total > 0 && progress.completed == progress.total,
                    nextHref: progress.next.map { Pages.href(of: $0, offering: progress.offering) },
                    nextTitle: progress.next?.title,
                    enrolledAt: Pages.day(progress.enrolledAt)
                )
            },
            suggestions: suggestions.map { suggestion in
                MyLearningPage.Suggestion(
                    href: "/resources/\(suggestion.resource)" + (suggestion.offering.map { "?offering=\($0)" } ?? ""),
                    title: suggestion.title,
                    kind: suggestion.kind.chineseName,
                    course: names.courses[suggestion.course]?.name ?? suggestion.course,
                    reason: Self.reason(suggestion)
                )
            },
            mastery: courses.map { course in
                MyLearningPage.MasteryCourse(
                    course: names.courses[course]?.name ?? course,
                    courseId: course,
                    points: mastery.filter { $0.course == course }.map { point in
                        .init(
                            name: point.name,
                            percent: Int((point.mastery * 100).rounded()),
                            answers: point.answers,
                            level: point.level,
                            levelName: Self.levelNames[point.level] ?? point.level
                        )
                    }
                )
            },
            masteryMap: major.map { "/api/v1/graph/majors/\($0)/mastery" },
            tokens: user.role == .teacher || user.role == .learner
                ? MyLearningPage.Tokens(
                    items: try await self.pages.accounts.personalTokens(of: user).map { token in
                        .init(
                            id: token.id,
                            name: token.name,
                            created: Pages.day(token.createdAt),
                            expires: Pages.day(token.expiresAt),
                            lastUsed: token.lastUsedAt.map(Pages.format) ?? "未使用"
                        )
                    }
                ) : nil,
            jobs: try await self.catalogue.jobs(query: nil, skill: nil, PageRequest(page: 1, pageSize: 100)).items.map {
                .init(id: $0.id, name: $0.name, selected: $0.id == chosen)
            },
            path: path.map { path in
                MyLearningPage.Path(
                    job: path.job.name,
                    total: path.steps.count,
                    mastered: path.mastered,
                    percent: Int((path.ratio * 100).rounded()),
                    steps: path.steps.map { step in
                        .init(
                            id: step.id,
                            name: step.name,
                            course: step.course.map { pathNames.courses[$0.id]?.name ?? $0.name } ?? "（尚无课程讲授）",
                            kindName: step.kind == .skill ? "技能点" : "知识点",
                            required: step.required,
                            questions: step.questionCount,
                            level: step.level,
                            levelName: Self.levelNames[step.level] ?? step.level,
                            figure: step.mastery.map { "\(Int(($0 * 100).rounded()))%" },
                            next: step.id == path.next,
                            practiceCourse: step.questionCount > 0 ? step.course?.id : nil,
                            resources: step.resources.map { .init(href: "/resources/\($0.id)", title: $0.title) },
                            hasResources: !step.resources.isEmpty
                        )
                    }
                )
            }
        )
        return try await self.pages.render("me", title: "我的学习", page: page, context: context, path: "/me")
    }

    /// Why a resource is suggested, in words.
    static func reason(_ suggestion: LearnerRecommendations.Suggestion) -> String {
        let point = suggestion.pointName.map { "：\($0)" } ?? ""
        switch suggestion.reason {
        case "enrolled_offering": return "所选课程的下一项"
        case "next_point": return "学过知识点的后续" + point
        case "same_point": return "同一知识点" + point
        case "popular": return "热门"
        case "newest": return "最新"
        default: return "推荐"
        }
    }
}
