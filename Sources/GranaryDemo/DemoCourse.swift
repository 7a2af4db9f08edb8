import Foundation
import GranaryLearning
import GranaryModel
import GranaryStore

/// The demo's learning side: one published offering assembled from the demo resources (one of them from another
/// course) and a paper, the demo learner enrolled with one item done, and a question answered in its discussion.
public enum DemoCourse {
    /// Loads the offering into a library `DemoLibrary.load` has just filled; `paper` is a paper to put in its last unit.
    public static func load(into library: Library, paper: String?) async throws {
        guard
            let teacher = try await library.accounts.user(named: "zhang.laoshi"),
            let learner = try await library.accounts.user(named: "xuesheng")
        else { return }
        // The published resources as the learner sees them (the demo has a dozen, one page).
        let published = try await library.resources.list(
            ResourceFilter(),
            viewer: learner,
            PageRequest(page: 1, pageSize: PageRequest.maximumPageSize)
        )
        let ids = Dictionary(published.items.map { ($0.title, $0.id) }, uniquingKeysWith: { first, _ in first })
        func items(_ titles: [String]) -> [Offering.Item] { titles.compactMap { ids[$0].map { Offering.Item(resource: $0) } } }
        var units: [OfferingInput.Unit] = [
            .init(id: "arc", title: "项目一 认识焊接电弧", items: items(["焊接电弧的物理本质", "电弧声音辨别训练", "焊接安全防护须知"])),
            .init(id: "gmaw", title: "项目二 熔化极气体保护焊", items: items(["CO2 气体保护焊操作要领", "熔滴过渡动画", "焊缝坡口示意图"])),
            .init(id: "structure", title: "项目三 焊接变形与单元测验", items: items(["焊接变形的控制方法"])),
        ]
        if let paper { units[2].items.append(Offering.Item(paper: paper)) }
        let offerings = OfferingStore(database: library.database)
        let offering = try await offerings.create(
            OfferingInput(
                course: "weld-methods",
                title: "焊接入门（示范课）",
                description: "从焊接电弧讲起，练熔化极气体保护焊，再认识焊接变形，最后做一套单元测验。",
                units: units
            ),
            author: teacher
        )
        _ = try await offerings.publish(id: offering.id, user: teacher)
        let progress = ProgressStore(database: library.database)
        _ = try await progress.enrol(offering: offering.id, user: learner)
        if let first = units[0].items.first {
            _ = try await progress.complete(offering: offering.id, item: first, user: learner)
        }
        let discussions = DiscussionStore(database: library.database)
        let question = try await discussions.post(
            offering: offering.id,
            unit: "arc",
            body: "弧柱温度为什么能达到五千度以上？",
            parent: nil,
            author: learner
        )
        let answer = try await discussions.post(
            offering: offering.id,
            unit: "arc",
            body: "弧柱中的气体被电离成等离子体，电流通过时产生大量热量，所以温度很高。",
            parent: question.id,
            author: teacher
        )
        // The teacher's reply is the answer (解答): the pair is a question and answer of the course.
        _ = try await discussions.markAnswer(post: answer.id, user: teacher)
    }
}
