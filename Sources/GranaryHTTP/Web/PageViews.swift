import Foundation
import GranaryAssessment
import GranaryLearning
import GranaryModel
import GranaryStore

/// What several page families show the same way: a resource's media and metadata, an offering's items, numbers.
extension Pages {
    /// Courses grouped by major, for the course pickers; points are fetched per course from the API by `app.js`.
    struct CoursePicker: Sendable {
        struct Group: Sendable {
            let label: String
            let courses: [Option]
        }

        struct Option: Sendable {
            let id: String
            let name: String
            let major: String
        }

        let groups: [Group]

        init(_ names: CatalogueNames.Snapshot) {
            self.groups = names.coursesByMajor.map { major, courses in
                Group(
                    label: "\(major.name)（\(major.code)）",
                    courses: courses.map { Option(id: $0.id, name: "\($0.name) · \($0.category.chineseName)", major: $0.major) }
                )
            }
        }
    }

    /// How a resource's bytes appear on a page. HTML, SVG, XML and Office files are never shown in place: in the
    /// service's origin they could run script or pretend to be Granary, so they are only offered as a download.
    struct MediaView: Sendable {
        let contentURL: String
        let downloadURL: String
        let video: Bool
        let audio: Bool
        let image: Bool
        let pdf: Bool
        let text: String?
        let downloadOnly: Bool
        let title: String

        init(resource: Resource, text: String?) {
            let mime = resource.mime
            self.contentURL = "/api/v1/resources/\(resource.id)/content?version=\(resource.version)"
            self.downloadURL = "/api/v1/resources/\(resource.id)/content?version=\(resource.version)&download=1"
            self.video = mime.hasPrefix("video/")
            self.audio = mime.hasPrefix("audio/")
            self.image = mime.hasPrefix("image/") && mime != "image/svg+xml"
            self.pdf = mime == "application/pdf"
            self.text = mime == "text/plain" ? text : nil
            self.downloadOnly = !(self.video || self.audio || self.image || self.pdf || self.text != nil)
            self.title = resource.title
        }

        /// Whether the page shows the bytes as text (read from the blob, at most 64 KiB).
        static func showsText(_ resource: Resource) -> Bool { resource.mime == "text/plain" }
    }

    /// One label and value of a metadata table.
    struct Fact: Sendable {
        let label: String
        let value: String
    }

    /// The metadata table of a resource, with names instead of ids.
    func facts(of resource: Resource, names: CatalogueNames.Snapshot, catalogue: CatalogueStore) async throws -> [Fact] {
        var points: [String] = []
        for id in resource.knowledgePoints {
            points.append(try await catalogue.point(id: id)?.name ?? id)
        }
        let major = names.majors[resource.major].map { "\($0.name)（\($0.code)）" } ?? resource.major
        return [
            Fact(label: "专业", value: major),
            Fact(label: "课程", value: names.courses[resource.course]?.name ?? resource.course),
            Fact(label: "知识（技能）点", value: points.joined(separator: "、")),
            Fact(label: "资源类型", value: resource.kind.chineseName),
            Fact(label: "原创/引用", value: resource.original ? "原创" : "引用" + (resource.source.map { "（来源：\($0)）" } ?? "")),
            Fact(label: "许可", value: resource.license ?? "未注明"),
            Fact(label: "文件", value: "\(resource.mime)，\(Self.size(resource.size))"),
            Fact(label: "作者", value: try await self.personName(resource.createdBy)),
            Fact(label: "创建时间", value: Self.format(resource.createdAt)),
            Fact(label: "更新时间", value: Self.format(resource.updatedAt) + "（第 \(resource.version) 版）"),
            Fact(label: "状态", value: resource.status.chineseName),
        ]
    }

    /// The start of a plain-text resource, for showing it in place.
    static func textPreview(of resource: Resource, viewer: User, resources: ResourceStore) async throws -> String? {
        guard MediaView.showsText(resource) else { return nil }
        let (_, content, _) = try await resources.content(id: resource.id, version: resource.version, viewer: viewer)
        // A cut through a multi-byte character loses only that character.
        return String(decoding: try await content.prefix(64 << 10), as: UTF8.self)
    }

    /// `1.5 MB`.
    static func size(_ bytes: Int64) -> String {
        let value = Double(bytes)
        if bytes >= 1 << 30 { return String(format: "%.1f GB", value / 1_073_741_824) }
        if bytes >= 1 << 20 { return String(format: "%.1f MB", value / 1_048_576) }
        if bytes >= 1 << 10 { return String(format: "%.0f KB", value / 1024) }
        return "\(bytes) 字节"
    }

    /// `100` or `2.5`.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// A text of `question` (stem, option, analysis) as HTML, its files drawn from the bank's route: for those who
    /// read the bank (learners see files through their attempts).
    static func html(_ text: String, of question: Question) -> String {
        QuestionText.html(text, files: question.attachments) { "/api/v1/questions/\(question.id)/files/\($0.sha256)" }
    }

    /// A question as the bank's pages show it (`question-card`): its texts with their files drawn in place, its
    /// answer, analysis and rubric.
    struct QuestionView: Sendable {
        let type: String
        let difficulty: Int
        let stem: String
        let options: [Question.Option]
        let answer: String
        let analysis: String?
        let rubric: [String]
        let score: String

        init(_ question: Question) {
            self.type = question.type.chineseName
            self.difficulty = question.difficulty
            self.stem = Pages.html(question.stem, of: question)
            self.options = question.options.map { Question.Option(id: $0.id, text: Pages.html($0.text, of: question)) }
            self.answer = Pages.answerText(question)
            self.analysis = question.analysis.map { Pages.html($0, of: question) }
            self.rubric = question.rubric.map { "\($0.criterion)（\(Pages.number($0.points)) 分）" }
            self.score = Pages.number(question.score)
        }
    }

    /// The facts of a question, with names instead of ids.
    func facts(of question: Question, names: CatalogueNames.Snapshot, catalogue: CatalogueStore) async throws -> [Fact] {
        var points: [String] = []
        for point in question.knowledgePoints { points.append(try await catalogue.point(id: point)?.name ?? point) }
        var facts = [
            Fact(label: "课程", value: names.courses[question.course]?.name ?? question.course),
            Fact(label: "知识（技能）点", value: points.joined(separator: "、")),
            Fact(label: "作者", value: try await self.personName(question.createdBy)),
            Fact(label: "状态", value: question.status.chineseName),
            Fact(label: "版本", value: "第 \(question.version) 版，\(Self.format(question.updatedAt))"),
        ]
        if !question.attachments.isEmpty {
            let files = question.attachments.map { "\($0.name)（\($0.mime)，\(Self.size($0.size))）" }
            facts.append(Fact(label: "文件", value: files.joined(separator: "；")))
        }
        return facts
    }

    /// A question's reference answer as a line of text.
    static func answerText(_ question: Question) -> String {
        func text(_ value: JSONValue) -> String {
            switch value {
            case .string(let string): return string
            case .bool(let bool): return bool ? "正确" : "错误"
            case .array(let items): return items.map(text).joined(separator: "、")
            case .number(let number): return Self.number(number)
            default: return ""
            }
        }
        return text(question.answer)
    }

    // MARK: - Shared views

    /// One item of a unit as a link, with its kind.
    struct ItemView: Sendable {
        let href: String
        let title: String
        let kindName: String
        let kindClass: String
        let icon: String
        /// The item's own course, when it is not the offering's (组课 across courses).
        let otherCourse: String?
        let done: Bool
    }

    /// The page an item of `offering` opens at.
    static func href(of item: Offering.Item, offering: String) -> String {
        item.resource.map { "/resources/\($0)?offering=\(offering)" } ?? "/papers/\(item.itemId)?offering=\(offering)"
    }

    /// The item's view; `done` holds the learner's completed keys (`resource:ID`, `paper:ID`).
    static func itemView(_ item: Offering.Item, offering: Offering, done: Set<String>, names: CatalogueNames.Snapshot) -> ItemView {
        let kind = item.paper != nil ? "paper" : (item.kind?.rawValue ?? "other")
        let icons = ["video": "▶", "audio": "♪", "image": "▣", "animation": "◐", "simulation": "⚙", "paper": "✎", "courseware": "▤"]
        let otherCourse = item.course.flatMap { $0 == offering.course ? nil : (names.courses[$0]?.name ?? $0) }
        return ItemView(
            href: Self.href(of: item, offering: offering.id),
            title: item.title ?? "（已不可用的内容）",
            kindName: item.paper != nil ? "试卷" : (item.kind?.chineseName ?? "资源"),
            kindClass: "kind-" + kind,
            icon: icons[kind] ?? "☰",
            otherCourse: otherCourse,
            done: done.contains(item.itemType + ":" + item.itemId)
        )
    }

    /// The link after `item` in the offering's order: the next item, or the offering itself after the last.
    static func nextHref(after item: Offering.Item, in offering: Offering) -> (href: String, title: String?) {
        let items = offering.units.flatMap(\.items)
        if let index = items.firstIndex(where: { $0.itemType == item.itemType && $0.itemId == item.itemId }), index + 1 < items.count {
            return (Self.href(of: items[index + 1], offering: offering.id), items[index + 1].title)
        }
        return ("/offerings/\(offering.id)", nil)
    }

    /// `37`, a whole percentage.
    static func percent(_ completed: Int, of total: Int) -> Int {
        total == 0 ? 0 : Int((Double(completed) * 100 / Double(total)).rounded(.down))
    }
}

extension ProgressStore {
    /// A learner's progress in the offering `id`, nil when not enrolled.
    func progress(in id: String, user: User) async throws -> OfferingProgress? {
        try await self.progress(user: user).first { $0.offering == id }
    }
}
