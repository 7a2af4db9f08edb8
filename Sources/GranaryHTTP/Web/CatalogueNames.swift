import GranaryModel
import GranaryStore

/// Names of the library's majors and courses, kept in memory so that a search page costs no query per hit.
///
/// The catalogue changes rarely; a name that is missing (a course created a moment ago) reloads it at once, at most
/// every two seconds, and the whole set is reloaded after thirty seconds anyway, so a renamed course shows soon.
actor CatalogueNames {
    /// The names as of one load.
    struct Snapshot: Sendable {
        /// The core major (核心专业), whose name names the library.
        let coreMajor: Major?
        let majors: [String: Major]
        let courses: [String: Course]

        /// 智能焊接技术专业教学资源库, or a plain name before any major exists.
        var libraryName: String { (self.coreMajor?.name ?? "职业教育") + "专业教学资源库" }

        /// The library's courses grouped by major, core major first.
        var coursesByMajor: [(major: Major, courses: [Course])] {
            self.majors.values.sorted { ($0.role == .core ? 0 : 1, $0.code) < ($1.role == .core ? 0 : 1, $1.code) }.map { major in
                (major, self.courses.values.filter { $0.major == major.code }.sorted { ($0.category.order, $0.name) < ($1.category.order, $1.name) })
            }
        }
    }

    private let catalogue: CatalogueStore
    private var snapshot: Snapshot?
    private var loadedAt: ContinuousClock.Instant?

    init(catalogue: CatalogueStore) {
        self.catalogue = catalogue
    }

    /// The names, reloaded when stale or when one of `courses` is unknown.
    func current(courses: some Sequence<String> = [String]()) async throws -> Snapshot {
        let now = ContinuousClock.now
        if let snapshot = self.snapshot, let loadedAt = self.loadedAt, now - loadedAt < .seconds(30),
            now - loadedAt < .seconds(2) || courses.allSatisfy({ snapshot.courses[$0] != nil })
        {
            return snapshot
        }
        let majors = try await self.catalogue.majors(PageRequest(page: 1, pageSize: PageRequest.maximumPageSize)).items
        var courses: [String: Course] = [:]
        var page = 1
        while true {
            let batch = try await self.catalogue.courses(major: nil, category: nil, PageRequest(page: page, pageSize: PageRequest.maximumPageSize))
            for course in batch.items { courses[course.id] = course }
            if batch.items.isEmpty || courses.count >= batch.total || page >= PageRequest.maximumPage { break }
            page += 1
        }
        let snapshot = Snapshot(
            coreMajor: majors.first { $0.role == .core },
            majors: Dictionary(majors.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first }),
            courses: courses
        )
        self.snapshot = snapshot
        self.loadedAt = now
        return snapshot
    }
}

extension CourseCategory {
    /// 专业核心课, 专业基础课, 拓展课.
    var chineseName: String {
        switch self {
        case .core: "专业核心课"
        case .foundation: "专业基础课"
        case .extension: "拓展课"
        }
    }

    /// Core courses first, as plans list them.
    var order: Int {
        switch self {
        case .core: 0
        case .foundation: 1
        case .extension: 2
        }
    }
}
