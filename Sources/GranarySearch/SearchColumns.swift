import Foundation
import GranaryModel

/// Strings stored once and referred to by number.
struct Interner {
    private(set) var names: [String] = []
    private var codes: [String: Int32] = [:]

    /// The number of `name`, adding it if new.
    mutating func code(_ name: String) -> Int32 {
        if let code = self.codes[name] { return code }
        let code = Int32(self.names.count)
        self.names.append(name)
        self.codes[name] = code
        return code
    }

    /// The number of `name` if it was ever added.
    func existingCode(_ name: String) -> Int32? {
        self.codes[name]
    }
}

/// What filters, facets and ordering read, one array per fact, indexed by document slot: the hot loop of a
/// query reads numbers, never copies a document.
struct SearchColumns {
    var alive: [Bool] = []
    var lengths: [Int32] = []
    var published: [Bool] = []
    var statuses: [UInt8] = []
    var authors: [Int32] = []
    var kinds: [UInt8] = []
    var courses: [Int32] = []
    var majors: [Int32] = []
    var originals: [Bool] = []
    var created: [Double] = []
    var ratings: [Int32] = []
    var stars: [Double] = []
    var points: [[Int32]] = []

    var authorNames = Interner()
    var courseNames = Interner()
    var majorNames = Interner()
    var pointNames = Interner()

    static let kinds = ResourceKind.allCases
    static let statuses = ReviewStatus.allCases

    mutating func append(_ document: SearchDocument, length: Int) {
        self.alive.append(true)
        self.lengths.append(Int32(length))
        self.published.append(document.published)
        self.statuses.append(UInt8(Self.statuses.firstIndex(of: document.status)!))
        self.authors.append(self.authorNames.code(document.author))
        self.kinds.append(UInt8(Self.kinds.firstIndex(of: document.kind)!))
        self.courses.append(self.courseNames.code(document.course))
        self.majors.append(self.majorNames.code(document.major))
        self.originals.append(document.original)
        self.created.append(document.createdAt.timeIntervalSince1970)
        self.ratings.append(Int32(document.ratings))
        self.stars.append(document.averageStars)
        self.points.append(document.knowledgePoints.map { self.pointNames.code($0) })
    }

    /// Overwrites the facts of `slot` that change without a new text: review state, ratings, facets.
    mutating func update(_ slot: Int, with document: SearchDocument) {
        self.published[slot] = document.published
        self.statuses[slot] = UInt8(Self.statuses.firstIndex(of: document.status)!)
        self.authors[slot] = self.authorNames.code(document.author)
        self.kinds[slot] = UInt8(Self.kinds.firstIndex(of: document.kind)!)
        self.courses[slot] = self.courseNames.code(document.course)
        self.majors[slot] = self.majorNames.code(document.major)
        self.originals[slot] = document.original
        self.created[slot] = document.createdAt.timeIntervalSince1970
        self.ratings[slot] = Int32(document.ratings)
        self.stars[slot] = document.averageStars
        self.points[slot] = document.knowledgePoints.map { self.pointNames.code($0) }
    }

    /// The columns of the slots in `kept`, in that order, renumbered from 0; the names stay.
    func compacted(keeping kept: [Int]) -> SearchColumns {
        var columns = SearchColumns()
        (columns.authorNames, columns.courseNames, columns.majorNames, columns.pointNames) =
            (self.authorNames, self.courseNames, self.majorNames, self.pointNames)
        columns.alive = kept.map { self.alive[$0] }
        columns.lengths = kept.map { self.lengths[$0] }
        columns.published = kept.map { self.published[$0] }
        columns.statuses = kept.map { self.statuses[$0] }
        columns.authors = kept.map { self.authors[$0] }
        columns.kinds = kept.map { self.kinds[$0] }
        columns.courses = kept.map { self.courses[$0] }
        columns.majors = kept.map { self.majors[$0] }
        columns.originals = kept.map { self.originals[$0] }
        columns.created = kept.map { self.created[$0] }
        columns.ratings = kept.map { self.ratings[$0] }
        columns.stars = kept.map { self.stars[$0] }
        columns.points = kept.map { self.points[$0] }
        return columns
    }
}

/// A query's filters and viewer, turned into the numbers of `SearchColumns`.
struct CompiledFilter {
    /// False when a filter names something no document has: nothing can match.
    let satisfiable: Bool
    private let status: UInt8?
    private let approved: Bool
    private let seesAll: Bool
    private let viewer: Int32?
    private let kind: UInt8?
    private let course: Int32?
    private let major: Int32?
    private let original: Bool?
    private let point: Int32?
    init(_ query: SearchQuery, columns: SearchColumns) {
        var satisfiable = true
        func code(_ name: String?, in interner: Interner) -> Int32? {
            guard let name else { return nil }
            guard let code = interner.existingCode(name) else {
                satisfiable = false
                return nil
            }
            return code
        }
        let filter = query.filter
        self.status = filter.status.map { UInt8(SearchColumns.statuses.firstIndex(of: $0)!) }
        self.approved = filter.status == .approved
        self.seesAll = query.viewer.role == .reviewer || query.viewer.role == .admin
        self.viewer = columns.authorNames.existingCode(query.viewer.id)
        self.kind = filter.kind.map { UInt8(SearchColumns.kinds.firstIndex(of: $0)!) }
        self.course = code(filter.course, in: columns.courseNames)
        self.major = code(filter.major, in: columns.majorNames)
        self.original = filter.original
        self.point = code(filter.knowledgePoint, in: columns.pointNames)
        self.satisfiable = satisfiable
    }

    /// Whether the viewer may see the document in `slot` and it passes the filters. Without `status`, only published
    /// items; with it, items in that state among those the viewer may see unpublished (reviewers and admins: all;
    /// others: their own), and for `approved` also everything published.
    @inline(__always)
    func admits(_ slot: Int, _ columns: SearchColumns) -> Bool {
        guard columns.alive[slot] else { return false }
        if let status = self.status {
            let mayTouchUnpublished = self.seesAll || (self.viewer != nil && columns.authors[slot] == self.viewer)
            if self.approved {
                guard columns.published[slot] || (mayTouchUnpublished && columns.statuses[slot] == status) else { return false }
            } else {
                guard mayTouchUnpublished, columns.statuses[slot] == status else { return false }
            }
        } else {
            guard columns.published[slot] else { return false }
        }
        if let kind = self.kind, columns.kinds[slot] != kind { return false }
        if let course = self.course, columns.courses[slot] != course { return false }
        if let major = self.major, columns.majors[slot] != major { return false }
        if let original = self.original, columns.originals[slot] != original { return false }
        if let point = self.point, !columns.points[slot].contains(point) { return false }
        return true
    }
}
