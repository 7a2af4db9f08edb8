import Foundation
import GranaryAssessment
import GranaryLearning
import GranaryModel
import GranaryStore
import Hummingbird

/// A person's own data (个人信息保护法): their personal information, a copy of everything the library keeps about
/// them, and closing their account.
struct PersonalDataController {
    let accounts: Accounts
    let resources: ResourceStore
    let progress: ProgressStore
    let attempts: AttemptStore
    let discussions: DiscussionStore

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        let group = router.group("me", context: AuthenticatedContext.self)
        group.get("personal", use: self.personalInfo)
        group.put("personal", use: self.setPersonalInfo)
        group.get("export", use: self.export)
        group.post("close", use: self.close)
    }

    /// The account's own personal information, whole (sealed at rest, masked in every list).
    @Sendable func personalInfo(request: Request, context: AuthenticatedContext) async throws -> Response {
        try .json(try await self.accounts.personalInfo(of: context.user))
    }

    @Sendable func setPersonalInfo(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: PersonalInfo.self, context: context)
        return try .json(try await self.accounts.setPersonalInfo(of: context.user, to: input))
    }

    /// Everything the library keeps about a person, in one JSON file (`granary-personal-data/1`).
    struct Export: Encodable {
        let format = "granary-personal-data/1"
        let exportedAt: Date
        let account: User
        let personal: PersonalInfo
        let progress: [OfferingProgress]
        let attempts: [Attempt]
        let ratings: [Rating]
        let posts: [Post]
        /// The events the person caused, newest first, at most `Accounts.exportedEventLimit`.
        let events: [Event]
        /// How many events there are in all.
        let eventCount: Int
    }

    @Sendable func export(request: Request, context: AuthenticatedContext) async throws -> Response {
        let user = context.user
        let kept = try await self.accounts.exportedData(of: user, address: context.remoteAddress)
        let export = Export(
            exportedAt: Date(),
            account: user,
            personal: kept.personal,
            progress: try await self.progress.progress(user: user),
            attempts: try await self.attempts.attempts(of: user),
            ratings: try await self.resources.ratings(by: user),
            posts: try await self.discussions.posts(by: user),
            events: kept.events,
            eventCount: kept.eventCount
        )
        var response = try Response.json(export)
        response.headers[.contentDisposition] = ContentDisposition.header(
            disposition: "attachment",
            fileName: "我的数据-\(user.username).json",
            fallbackName: "granary-personal-data.json"
        )
        return response
    }

    struct CloseInput: Decodable {
        let password: String
    }

    /// Closes the learner's own account; what goes and what stays is said at `Accounts.closeAccount`.
    @Sendable func close(request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decodeJSON(as: CloseInput.self, context: context)
        try await self.accounts.closeAccount(context.user, password: input.password, address: context.remoteAddress)
        return Response(status: .noContent)
    }
}
