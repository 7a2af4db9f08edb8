import Foundation
import GranaryModel

/// A search as a user asked it: terms that must all occur, filters, who is asking, the order and the page.
public struct SearchQuery: Sendable {
    /// Folded terms; every one must occur.
    let terms: [[UInt16]]
    /// The same filters as a resource list. Its `status` nil means published items only; otherwise items in that
    /// state among those the viewer may see unpublished.
    public var filter: ResourceFilter
    public var sort: Sort
    public var page: PageRequest
    /// Whether to count every match for `total` and the facets. Without counts a query ranked by relevance may
    /// skip documents that cannot reach the page; `total` is then the number of hits returned and facets are empty.
    public var counts = true
    /// Who is searching: decides what unpublished items they may see.
    public let viewer: User

    /// Result order.
    public enum Sort: String, Sendable, CaseIterable {
        case relevance
        case newest
        case popular
    }

    /// Parses `q`: terms are separated by spaces; "quoted text" is one term, spaces included (a line break in it
    /// counts as a space). Any string is valid.
    public init(
        _ text: String,
        viewer: User,
        sort: Sort = .relevance,
        page: PageRequest = PageRequest(),
        filter: ResourceFilter = ResourceFilter()
    ) {
        var terms: [[UInt16]] = []
        var current: [UInt16] = []
        var quoted = false
        for unit in SearchText.fold(text) {
            if unit == 0x22 || unit == 0x201C || unit == 0x201D {  // " “ ”
                quoted.toggle()
            } else if SearchText.isSpace(unit) && !quoted {
                if !current.isEmpty { terms.append(current) }
                current = []
            } else if unit == 0x0A || unit == 0x0D {
                // A query is one line: a line break inside quotes is a space. A term must never hold one, since a
                // line break is what separates a document's fields (and the index keeps no pair of two of them).
                current.append(0x20)
            } else {
                current.append(unit)
            }
        }
        if !current.isEmpty { terms.append(current) }
        // A term that repeats adds nothing; the first ten terms are plenty.
        var seen = Set<[UInt16]>()
        self.terms = Array(terms.filter { seen.insert($0).inserted }.prefix(10))
        self.viewer = viewer
        self.sort = sort
        self.page = page
        self.filter = filter
    }
}

/// A piece of a document's text around the first hit: plain text, and where the query's terms are in it. How the
/// terms are shown (`<mark>` in the API and the pages) is the presentation's business.
public struct Snippet: Sendable, Equatable {
    /// The text, line breaks as spaces, with "…" where it was cut.
    public let text: String
    /// Where the hits are, as offsets into `text.utf16`, in order and apart.
    public let marks: [Range<Int>]

    /// A snippet.
    public init(text: String, marks: [Range<Int>]) {
        self.text = text
        self.marks = marks
    }

    /// The text in pieces, each with whether it is a hit.
    public var pieces: [(text: Substring, hit: Bool)] {
        let units = self.text.utf16
        var pieces: [(text: Substring, hit: Bool)] = []
        var at = 0
        func piece(_ range: Range<Int>, _ hit: Bool) {
            guard !range.isEmpty,
                let from = units.index(units.startIndex, offsetBy: range.lowerBound, limitedBy: units.endIndex),
                let to = units.index(units.startIndex, offsetBy: range.upperBound, limitedBy: units.endIndex)
            else { return }
            pieces.append((self.text[from..<to], hit))
        }
        for mark in self.marks {
            piece(at..<mark.lowerBound, false)
            piece(mark, true)
            at = mark.upperBound
        }
        piece(at..<units.count, false)
        return pieces
    }
}

/// What a search found.
public struct SearchResults: Sendable {
    /// How many documents matched.
    public let total: Int
    /// This page of them.
    public let hits: [Hit]
    /// Counts of the matched documents by kind, course, major and originality; each sums to `total`.
    public let facets: Facets

    /// One found document.
    public struct Hit: Sendable {
        /// The document's facts and title; its description, names, tags and file text stay in the index (nil, empty).
        public let document: SearchDocument
        public let score: Double
        /// A piece of the text around the first hit, and where the terms are in it.
        public let snippet: Snippet
    }

    /// Facet counts.
    public struct Facets: Sendable, Encodable, Equatable {
        public var kind: [String: Int] = [:]
        public var course: [String: Int] = [:]
        public var major: [String: Int] = [:]
        public var original: [String: Int] = [:]

        public init() {}
    }
}
