import GranaryModel

/// Draws a major's course system (课程体系图谱) as a layered SVG map read left to right: the major, its courses by
/// category, their knowledge and skill points stacked under each course, then the jobs those skills lead to.
///
/// The output is a standalone, well-formed SVG document without an XML prolog, so it can also be inlined in HTML.
/// Every node is a `<g class="node node-TYPE" data-id="…">` holding exactly one `<rect>` (its box), its `<text>` and a
/// `<title>` that starts with the full name; every edge is a `<path class="edge edge-RELATION" data-from="…" data-to="…">`.
/// Edges whose ends are not nodes of the graph are not drawn.
public enum CourseSystemMap {
    /// Renders `graph` as an SVG document headed by `title` (e.g. "460110 智能焊接技术 课程体系图谱"). With `mastery`
    /// (a learner's, 0–1 by point key), each point they have answered on is filled by how well they master it
    /// (`mastery-high` from 0.8, `mastery-mid` from 0.5, `mastery-low` below) and says so in its title.
    public static func svg(_ graph: CourseSystemGraph, title: String, mastery: [String: Double] = [:]) -> String {
        var layout = MapLayout(graph: graph, title: title)
        layout.mastery = mastery
        layout.place()
        return MapWriter(layout: layout).document()
    }
}

// MARK: - Metrics

/// Sizes in SVG user units (CSS pixels); every position on the map derives from these.
private enum Metrics {
    static let margin = 32.0
    static let fontSize = 13.0
    static let detailFontSize = 10.5
    static let majorFontSize = 15.0
    static let legendFontSize = 12.0
    static let badgeFontSize = 10.0
    /// Horizontal room between a box's border and its text.
    static let padding = 10.0

    static let majorHeight = 56.0
    static let courseHeight = 44.0
    static let pointHeight = 26.0
    static let pointGap = 6.0
    static let jobHeight = 40.0
    static let jobGap = 10.0
    /// Vertical room between two courses' blocks.
    static let blockGap = 18.0
    /// Room between a course's band and its first and last points.
    static let bandPadding = 7.0
    static let headingHeight = 34.0

    static let badgeHeight = 16.0
    static let badgeGap = 3.0

    /// Room right of the point column for prerequisite arcs.
    static let arcGutter = 64.0
    static let majorToCourses = 90.0
    static let coursesToPoints = 90.0
    static let pointsToJobs = 230.0

    static let majorWidth = 96.0...190.0
    static let courseWidth = 128.0...236.0
    static let pointTextWidth = 4 * fontSize...15 * fontSize
    static let jobWidth = 128.0...236.0

    /// Lanes for long prerequisite arcs, and the step between them (a quarter more than the visible spacing).
    static let arcLanes = 16
    static let arcLaneStep = 6.0

    /// Room right of the job column for the bracket that brings the major's targets edges in.
    static let targetsBracket = 24.0
    /// How far an arc's ends sit from a point's middle, so arcs in and out and the edges to jobs part.
    static let arcPortOffset = 5.0
    /// Radius of the rounded corners of the targets route.
    static let cornerRadius = 8.0

    /// Nodes at least this tall spread the ends of their edges along their side instead of meeting in one point.
    static let portSpreadMinimumHeight = 36.0
}

/// The CJK-capable fonts, in order of preference.
private let fontFamily = "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif"

// MARK: - Text

/// Estimates how wide text is drawn and fits it to a width, without a font engine.
private enum TextMetrics {
    /// The horizontal ellipsis that ends a shortened label.
    static let ellipsis: Character = "…"

    /// The width of one character in ems: CJK and full-width ≈ 1, ASCII ≈ 0.6, narrow punctuation less.
    static func ems(_ character: Character) -> Double {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        switch scalar.value {
        case 0x20, 0x21, 0x27, 0x2C, 0x2E, 0x3A, 0x3B, 0x49, 0x69, 0x6A, 0x6C, 0x7C: return 0.34
        case 0x4D, 0x57, 0x6D, 0x77: return 0.86
        case 0x41...0x5A: return 0.68
        case 0..<0x80: return 0.6
        case 0x1100...0x115F, 0x2026, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1FAFF, 0x20000...0x3FFFD:
            return 1
        default: return 0.7
        }
    }

    /// The estimated drawn width of `text` at `size` pixels.
    static func width(_ text: String, size: Double) -> Double {
        var ems = 0.0
        for character in text { ems += self.ems(character) }
        return ems * size
    }

    /// `text` if it fits in `maxWidth`, otherwise its longest prefix that fits with a trailing "…".
    static func fit(_ text: String, size: Double, maxWidth: Double) -> String {
        // The tolerance keeps a box sized to its own text from shortening it over a rounding error.
        if self.width(text, size: size) <= maxWidth + 0.01 { return text }
        let budget = maxWidth / size - self.ems(self.ellipsis)
        var used = 0.0
        var prefix = ""
        for character in text {
            let ems = self.ems(character)
            if used + ems > budget { break }
            used += ems
            prefix.append(character)
        }
        while prefix.last?.isWhitespace == true { prefix.removeLast() }
        return prefix + String(self.ellipsis)
    }

    /// `text` on one line: control characters become spaces, and surrounding whitespace goes.
    static func singleLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? " " : scalar)
        }
        return String(scalars).trimmingWhitespace()
    }
}

extension String {
    /// The string without leading and trailing whitespace (Foundation-free).
    fileprivate func trimmingWhitespace() -> String {
        guard let first = self.firstIndex(where: { !$0.isWhitespace }), let last = self.lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}

// MARK: - Geometry

/// An axis-aligned box in SVG user units.
private struct Frame {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var right: Double { self.x + self.width }
    var bottom: Double { self.y + self.height }
    var midX: Double { self.x + self.width / 2 }
    var midY: Double { self.y + self.height / 2 }
}

/// One node with its place on the map and the text it shows.
private struct PlacedNode {
    /// Index in the graph's nodes.
    let index: Int
    /// 0 major, 1 courses, 2 points, 3 jobs.
    let column: Int
    let frame: Frame
    /// The name, shortened to fit the box.
    let label: String
    /// A second, smaller line (major code, course contents, occupation code).
    let detail: String?
    /// Extra classes after `node node-TYPE`.
    let classes: String
    /// Text of the `<title>`, starting with the full name.
    let tooltip: String
    /// Corner radius: points show their kind by shape as well as colour.
    let cornerRadius: Double
    /// Whether the text starts at the left padding rather than the centre.
    let leftAligned: Bool
    /// A point of this major without published resources (缺资源).
    let missingResources: Bool
    /// A point of this major without approved questions (缺试题).
    let missingQuestions: Bool
}

/// A group heading, or a column heading.
private struct Heading {
    let x: Double
    let y: Double
    let text: String
    let classes: String
}

/// A light background grouping a course's points.
private struct Band {
    let frame: Frame
    let classes: String
}

/// An edge ready to draw.
private struct RoutedEdge {
    let from: String
    let to: String
    let relation: CourseSystemGraph.Relation
    let path: String
}

/// One legend entry: a sample and its explanation.
private struct LegendItem {
    enum Sample {
        case box(classes: String, cornerRadius: Double)
        case badge(classes: String, text: String)
        case line(classes: String, arc: Bool)
    }

    let sample: Sample
    let text: String
    var x = 0.0
    var y = 0.0

    var sampleWidth: Double {
        switch self.sample {
        case .box: 26
        case .badge(_, let text): TextMetrics.width(text, size: Metrics.badgeFontSize) + 8
        case .line: 34
        }
    }

    var width: Double { self.sampleWidth + 6 + TextMetrics.width(self.text, size: Metrics.legendFontSize) }
}

// MARK: - Layout

/// Places every node, group heading and edge of a course system graph.
private struct MapLayout {
    let graph: CourseSystemGraph
    let title: String

    var width = 0.0
    var height = 0.0
    var subtitle = ""
    var legend: [LegendItem] = []
    var headings: [Heading] = []
    var dividers: [(x1: Double, x2: Double, y: Double)] = []
    var bands: [Band] = []
    var nodes: [PlacedNode] = []
    var edges: [RoutedEdge] = []
    /// A learner's mastery by point key, when the map shows it.
    var mastery: [String: Double] = [:]

    /// Height of the lane above the content that carries the major's targets edges to the jobs.
    private var laneY = 0.0
    /// How far right of the point column each prerequisite arc's control points sit, by edge index.
    private var arcDepth: [Int: Double] = [:]

    /// Placed node index by node id; the first node wins when ids repeat.
    private var placedIndex: [String: Int] = [:]

    init(graph: CourseSystemGraph, title: String) {
        self.graph = graph
        self.title = TextMetrics.singleLine(title)
    }

    /// Lays the map out: columns, vertical stacking, jobs, then edges.
    mutating func place() {
        let graph = self.graph
        var seen = Set<String>()
        var majors: [Int] = []
        var courses: [Int] = []
        var points: [Int] = []
        var jobs: [Int] = []
        for (index, node) in graph.nodes.enumerated() where seen.insert(node.id).inserted {
            switch node.type {
            case .major: majors.append(index)
            case .course: courses.append(index)
            case .point: points.append(index)
            case .job: jobs.append(index)
            }
        }

        // Which course each point belongs to: its `course` field, else the course that teaches it.
        var courseByKey: [String: Int] = [:]
        var courseById: [String: Int] = [:]
        for index in courses {
            courseByKey[graph.nodes[index].key] = courseByKey[graph.nodes[index].key] ?? index
            courseById[graph.nodes[index].id] = index
        }
        var teacher: [String: Int] = [:]
        for edge in graph.edges where edge.relation == .teaches {
            if teacher[edge.to] == nil, let course = courseById[edge.from] { teacher[edge.to] = course }
        }
        var pointsOfCourse: [Int: [Int]] = [:]
        var orphanKeys: [String] = []
        var orphans: [String: [Int]] = [:]
        var externals: [Int] = []
        for index in points {
            let node = graph.nodes[index]
            if node.external == true {
                externals.append(index)
            } else if let course = node.course.flatMap({ courseByKey[$0] }) ?? teacher[node.id] {
                pointsOfCourse[course, default: []].append(index)
            } else {
                let key = node.course ?? ""
                if orphans[key] == nil { orphanKeys.append(key) }
                orphans[key, default: []].append(index)
            }
        }

        // Column widths from the text they hold.
        let majorWidth = Self.clamp(
            majors.map {
                max(
                    TextMetrics.width(TextMetrics.singleLine(graph.nodes[$0].name), size: Metrics.majorFontSize),
                    TextMetrics.width(graph.nodes[$0].key, size: Metrics.detailFontSize)
                ) + 2 * Metrics.padding
            }.max() ?? 0,
            Metrics.majorWidth
        )
        let courseWidth = Self.clamp(
            courses.map {
                max(
                    TextMetrics.width(TextMetrics.singleLine(graph.nodes[$0].name), size: Metrics.fontSize),
                    TextMetrics.width(self.courseDetail(pointsOfCourse[$0] ?? []), size: Metrics.detailFontSize)
                ) + 2 * Metrics.padding
            }.max() ?? 0,
            Metrics.courseWidth
        )
        let pointTextWidth = Self.clamp(
            points.map { TextMetrics.width(TextMetrics.singleLine(graph.nodes[$0].name), size: Metrics.fontSize) }.max() ?? 0,
            Metrics.pointTextWidth
        )
        let badgeWidth = points.map { Self.badges(of: graph.nodes[$0]).reduce(0) { $0 + Self.badgeWidth($1) + Metrics.badgeGap } }.max() ?? 0
        let pointWidth = pointTextWidth + 2 * Metrics.padding + badgeWidth
        let jobWidth = Self.clamp(
            jobs.map {
                max(
                    TextMetrics.width(TextMetrics.singleLine(graph.nodes[$0].name), size: Metrics.fontSize),
                    TextMetrics.width(TextMetrics.singleLine(graph.nodes[$0].occupationCode ?? ""), size: Metrics.detailFontSize)
                ) + 2 * Metrics.padding
            }.max() ?? 0,
            Metrics.jobWidth
        )
        let x0 = Metrics.margin
        let x1 = x0 + majorWidth + Metrics.majorToCourses
        let x2 = x1 + courseWidth + Metrics.coursesToPoints
        // The legend wraps to the narrowest the map can be; long arcs may widen it later.
        self.width = x2 + pointWidth + Metrics.arcGutter + Metrics.pointsToJobs + jobWidth + Metrics.targetsBracket + Metrics.margin

        // Header: title, summary and a legend that wraps to the width.
        let knowledge = points.count(where: { graph.nodes[$0].external != true && graph.nodes[$0].kind == .knowledge })
        let skills = points.count(where: { graph.nodes[$0].external != true && graph.nodes[$0].kind != .knowledge })
        let lackingResources = points.count(where: { Self.badges(of: graph.nodes[$0]).contains(.resources) })
        let lackingQuestions = points.count(where: { Self.badges(of: graph.nodes[$0]).contains(.questions) })
        self.subtitle =
            "\(courses.count) 门课程 · \(knowledge) 个知识点 · \(skills) 个技能点 · \(externals.count) 项其他专业技能 · \(jobs.count) 个岗位"
            + " · 缺资源 \(lackingResources) · 缺试题 \(lackingQuestions)"
        self.width = max(self.width, TextMetrics.width(self.title, size: 20) + 2 * Metrics.margin)
        var y = self.layOutLegend(top: Metrics.margin + 58)

        // Column headings.
        y += 14
        let columnHeadY = y + 12
        for (x, text) in [(x0, "专业"), (x1, "课程"), (x2, "知识点 · 技能点")] {
            self.headings.append(Heading(x: x, y: columnHeadY, text: text, classes: "column-head"))
        }
        y += 44
        let contentTop = y
        self.laneY = contentTop - 14

        // Courses by category, each with its points stacked beside it.
        let categories: [(CourseCategory?, String, String)] = [
            (.core, "专业核心课", "core"), (.foundation, "专业基础课", "foundation"), (.extension, "拓展课", "extension"),
            (nil, "其他课程", "other"),
        ]
        var courseSpan: (top: Double, bottom: Double)?
        for (category, name, slug) in categories {
            let members = courses.filter { graph.nodes[$0].category == category }
            if members.isEmpty { continue }
            self.headings.append(Heading(x: x1, y: y + 21, text: "\(name)（\(members.count)）", classes: "heading heading-\(slug)"))
            self.dividers.append((x1, x2 + pointWidth, y + 28))
            y += Metrics.headingHeight
            for course in members {
                let owned = pointsOfCourse[course] ?? []
                let stack = self.stackHeight(owned.count)
                let block = max(Metrics.courseHeight, stack)
                let frame = Frame(x: x1, y: y + (block - Metrics.courseHeight) / 2, width: courseWidth, height: Metrics.courseHeight)
                self.addCourse(course, frame: frame, slug: slug, points: owned)
                courseSpan = (courseSpan?.top ?? frame.y, frame.bottom)
                self.addPoints(owned, top: y + (block - stack) / 2, x: x2, width: pointWidth, band: "band")
                y += block + Metrics.blockGap
            }
        }

        // Points of no course of this major: unknown courses, then skills taught by other majors' courses.
        var groups = orphanKeys.map { key in
            (key.isEmpty ? "未归入课程的点" : "未归入课程的点：\(key)", orphans[key] ?? [], "band band-orphan")
        }
        if !externals.isEmpty { groups.append(("其他专业课程的技能", externals, "band band-external")) }
        for (name, owned, band) in groups {
            let heading = TextMetrics.fit(TextMetrics.singleLine(name), size: 14, maxWidth: pointWidth)
            self.headings.append(Heading(x: x2, y: y + 21, text: heading, classes: "heading heading-external"))
            self.dividers.append((x2, x2 + pointWidth, y + 28))
            y += Metrics.headingHeight
            self.addPoints(owned, top: y, x: x2, width: pointWidth, band: band)
            y += self.stackHeight(owned.count) + Metrics.blockGap
        }
        var bottom = y

        // The major, level with the middle of its courses.
        let span = courseSpan ?? (contentTop, max(contentTop, y))
        var majorTop = max(contentTop, (span.top + span.bottom) / 2 - Metrics.majorHeight / 2 - Double(majors.count - 1) * 40)
        for major in majors {
            let node = graph.nodes[major]
            self.append(
                PlacedNode(
                    index: major,
                    column: 0,
                    frame: Frame(x: x0, y: majorTop, width: majorWidth, height: Metrics.majorHeight),
                    label: TextMetrics.fit(
                        TextMetrics.singleLine(node.name),
                        size: Metrics.majorFontSize,
                        maxWidth: majorWidth - 2 * Metrics.padding
                    ),
                    detail: TextMetrics.fit(node.key, size: Metrics.detailFontSize, maxWidth: majorWidth - 2 * Metrics.padding),
                    classes: "",
                    tooltip: "\(TextMetrics.singleLine(node.name))\n专业代码 \(node.key)",
                    cornerRadius: 8,
                    leftAligned: false,
                    missingResources: false,
                    missingQuestions: false
                )
            )
            majorTop += Metrics.majorHeight + 24
            bottom = max(bottom, majorTop)
        }

        // Jobs, each as near as it can be to the mean height of the skills it requires, in that order.
        // The gutter right of the points holds the prerequisite arcs, however deep they had to go.
        let gutter = max(Metrics.arcGutter, self.planArcs() + 14)
        let x3 = x2 + pointWidth + gutter + Metrics.pointsToJobs
        self.width = max(self.width, x3 + jobWidth + Metrics.targetsBracket + Metrics.margin)
        self.headings.append(Heading(x: x3, y: columnHeadY, text: "岗位", classes: "column-head"))
        bottom = max(bottom, self.addJobs(jobs, x: x3, width: jobWidth, top: contentTop))

        self.height = bottom + Metrics.margin
        self.routeEdges()
    }

    // MARK: Nodes

    /// The height of a stack of `count` points inside their band.
    private func stackHeight(_ count: Int) -> Double {
        count == 0 ? 0 : Double(count) * (Metrics.pointHeight + Metrics.pointGap) - Metrics.pointGap + 2 * Metrics.bandPadding
    }

    /// Adds a placed node and indexes it by id.
    private mutating func append(_ node: PlacedNode) {
        self.placedIndex[self.graph.nodes[node.index].id] = self.nodes.count
        self.nodes.append(node)
    }

    /// A course's second line: how many knowledge and skill points it teaches.
    private func courseDetail(_ points: [Int]) -> String {
        let knowledge = points.count(where: { self.graph.nodes[$0].kind == .knowledge })
        return "\(knowledge) 个知识点 · \(points.count - knowledge) 个技能点"
    }

    /// Adds a course box.
    private mutating func addCourse(_ index: Int, frame: Frame, slug: String, points: [Int]) {
        let node = self.graph.nodes[index]
        let name = TextMetrics.singleLine(node.name)
        let detail = self.courseDetail(points)
        self.append(
            PlacedNode(
                index: index,
                column: 1,
                frame: frame,
                label: TextMetrics.fit(name, size: Metrics.fontSize, maxWidth: frame.width - 2 * Metrics.padding),
                detail: TextMetrics.fit(detail, size: Metrics.detailFontSize, maxWidth: frame.width - 2 * Metrics.padding),
                classes: " course-\(slug)",
                tooltip: "\(name)\n\(detail)",
                cornerRadius: 6,
                leftAligned: false,
                missingResources: false,
                missingQuestions: false
            )
        )
    }

    /// Stacks `points` from `top` on a band; a point without badges may use the badges' room for its name.
    private mutating func addPoints(_ points: [Int], top: Double, x: Double, width: Double, band: String) {
        guard !points.isEmpty else { return }
        self.bands.append(Band(frame: Frame(x: x - 8, y: top, width: width + 16, height: self.stackHeight(points.count)), classes: band))
        var y = top + Metrics.bandPadding
        for index in points {
            let node = self.graph.nodes[index]
            let name = TextMetrics.singleLine(node.name)
            let badges = Self.badges(of: node)
            let isSkill = node.kind != .knowledge
            var classes = isSkill ? " point-skill" : " point-knowledge"
            var tooltip = "\(name)\n\(isSkill ? "技能点" : "知识点")"
            if node.external == true {
                classes += " external"
                tooltip += " · 由其他专业课程讲授\(node.course.map { "（\($0)）" } ?? "")"
            } else {
                if let resources = node.resources { tooltip += " · 资源 \(resources)" }
                if let questions = node.questions { tooltip += " · 试题 \(questions)" }
            }
            if !badges.isEmpty { classes += " missing" }
            if let mastery = self.mastery[node.key] {
                classes += mastery >= 0.8 ? " mastery-high" : mastery >= 0.5 ? " mastery-mid" : " mastery-low"
                tooltip += " · 掌握度 \(Int((mastery * 100).rounded()))%"
            }
            let reserved = badges.reduce(0) { $0 + Self.badgeWidth($1) + Metrics.badgeGap }
            self.append(
                PlacedNode(
                    index: index,
                    column: 2,
                    frame: Frame(x: x, y: y, width: width, height: Metrics.pointHeight),
                    label: TextMetrics.fit(name, size: Metrics.fontSize, maxWidth: width - 2 * Metrics.padding - reserved),
                    detail: nil,
                    classes: classes,
                    tooltip: tooltip,
                    cornerRadius: isSkill ? Metrics.pointHeight / 2 : 3,
                    leftAligned: true,
                    missingResources: badges.contains(.resources),
                    missingQuestions: badges.contains(.questions)
                )
            )
            y += Metrics.pointHeight + Metrics.pointGap
        }
    }

    /// Places the jobs and returns the bottom of the lowest.
    private mutating func addJobs(_ jobs: [Int], x: Double, width: Double, top: Double) -> Double {
        guard !jobs.isEmpty else { return top }
        var sums: [String: (total: Double, count: Int)] = [:]
        for edge in self.graph.edges where edge.relation == .requiredBy {
            guard let source = self.placedIndex[edge.from] else { continue }
            let y = self.nodes[source].frame.midY
            sums[edge.to, default: (0, 0)].total += y
            sums[edge.to, default: (0, 0)].count += 1
        }
        let wished: [(index: Int, mid: Double?)] = jobs.map { index in
            let sum = sums[self.graph.nodes[index].id]
            return (index, sum.map { $0.total / Double($0.count) })
        }
        // Jobs nothing points to keep their order after the others.
        let ordered = wished.enumerated().sorted { a, b in
            switch (a.element.mid, b.element.mid) {
            case (let l?, let r?): l == r ? a.offset < b.offset : l < r
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a.offset < b.offset
            }
        }.map(\.element)
        var last = top + Metrics.jobHeight / 2
        let wishedTops = ordered.map { item -> Double in
            last = item.mid ?? last
            return last - Metrics.jobHeight / 2
        }
        let tops = Self.spread(wishedTops, pitch: Metrics.jobHeight + Metrics.jobGap, top: top)
        for (item, y) in zip(ordered, tops) {
            let node = self.graph.nodes[item.index]
            let name = TextMetrics.singleLine(node.name)
            let code = node.occupationCode.map(TextMetrics.singleLine).flatMap { $0.isEmpty ? nil : $0 }
            self.append(
                PlacedNode(
                    index: item.index,
                    column: 3,
                    frame: Frame(x: x, y: y, width: width, height: Metrics.jobHeight),
                    label: TextMetrics.fit(name, size: Metrics.fontSize, maxWidth: width - 2 * Metrics.padding),
                    detail: code.map { TextMetrics.fit($0, size: Metrics.detailFontSize, maxWidth: width - 2 * Metrics.padding) },
                    classes: "",
                    tooltip: code.map { "\(name)\n职业编码 \($0)" } ?? name,
                    cornerRadius: 6,
                    leftAligned: false,
                    missingResources: false,
                    missingQuestions: false
                )
            )
        }
        return (tops.last ?? top) + Metrics.jobHeight
    }

    /// Tops for equally tall boxes, kept in order and apart, each as near its wished top as possible (least squares):
    /// pool-adjacent-violators on `wished[i] - i * pitch`, then no higher than `top`.
    private static func spread(_ wished: [Double], pitch: Double, top: Double) -> [Double] {
        var blocks: [(sum: Double, count: Int)] = []
        for (i, value) in wished.enumerated() {
            var block = (sum: value - Double(i) * pitch, count: 1)
            while let previous = blocks.last, previous.sum / Double(previous.count) > block.sum / Double(block.count) {
                block = (previous.sum + block.sum, previous.count + block.count)
                blocks.removeLast()
            }
            blocks.append(block)
        }
        var tops: [Double] = []
        tops.reserveCapacity(wished.count)
        for block in blocks {
            let base = max(block.sum / Double(block.count), top)
            for _ in 0..<block.count { tops.append(base + Double(tops.count) * pitch) }
        }
        return tops
    }

    // MARK: Edges

    /// Routes every edge between placed nodes: Béziers between columns, arcs right of a column within it.
    private mutating func routeEdges() {
        enum Side { case left, right }
        struct Ends {
            let edge: Int
            let from: Int
            let to: Int
            let fromSide: Side
            let toSide: Side
        }
        var ends: [Ends] = []
        ends.reserveCapacity(self.graph.edges.count)
        var bus: [(edge: Int, from: Int, to: Int)] = []
        for (index, edge) in self.graph.edges.enumerated() {
            guard let from = self.placedIndex[edge.from], let to = self.placedIndex[edge.to] else { continue }
            let a = self.nodes[from].column
            let b = self.nodes[to].column
            if edge.relation == .targets, a == 0, b == 3 {
                bus.append((index, from, to))
                continue
            }
            let sides: (Side, Side) = a < b ? (.right, .left) : a > b ? (.left, .right) : (.right, .right)
            ends.append(Ends(edge: index, from: from, to: to, fromSide: sides.0, toSide: sides.1))
        }

        // Tall boxes spread their edges' ends along a side, in the order of the other ends, so fans don't pinch.
        var attached: [Int: [(end: Int, isFrom: Bool, other: Double)]] = [:]
        for (i, end) in ends.enumerated() {
            let fromKey = end.from * 2 + (end.fromSide == .right ? 1 : 0)
            let toKey = end.to * 2 + (end.toSide == .right ? 1 : 0)
            attached[fromKey, default: []].append((i, true, self.nodes[end.to].frame.midY))
            attached[toKey, default: []].append((i, false, self.nodes[end.from].frame.midY))
        }
        var fromY = ends.map { self.nodes[$0.from].frame.midY }
        var toY = ends.map { self.nodes[$0.to].frame.midY }
        for (key, list) in attached where list.count > 1 {
            let frame = self.nodes[key / 2].frame
            guard frame.height >= Metrics.portSpreadMinimumHeight else { continue }
            let spread = min(frame.height * 0.6, Double(list.count - 1) * 5)
            let sorted = list.enumerated().sorted { a, b in
                a.element.other == b.element.other ? a.offset < b.offset : a.element.other < b.element.other
            }
            for (rank, item) in sorted.enumerated() {
                let y = frame.midY - spread / 2 + spread * Double(rank) / Double(list.count - 1)
                if item.element.isFrom { fromY[item.element.end] = y } else { toY[item.element.end] = y }
            }
        }

        self.edges.reserveCapacity(ends.count)
        for (i, end) in ends.enumerated() {
            let edge = self.graph.edges[end.edge]
            let a = self.nodes[end.from].frame
            let b = self.nodes[end.to].frame
            let path: String
            if end.fromSide == end.toSide {
                // An arc right of the column, deeper for longer spans, inside the gutter.
                // Ends sit toward each other, so an arc leaving a point and one entering it don't meet.
                let (y1, y2) = self.arcEnds(from: end.from, to: end.to, fromY: fromY[i], toY: toY[i])
                let depth = self.arcDepth[end.edge] ?? min(Metrics.arcGutter, Self.arcDepth(span: abs(y2 - y1)))
                let x1 = a.right
                let x2 = b.right
                path = "M\(n(x1)) \(n(y1))C\(n(max(x1, x2) + depth)) \(n(y1)) \(n(max(x1, x2) + depth)) \(n(y2)) \(n(x2)) \(n(y2))"
            } else {
                let x1 = end.fromSide == .right ? a.right : a.x
                let x2 = end.toSide == .left ? b.x : b.right
                let pull = (x2 - x1) / 2
                path = "M\(n(x1)) \(n(fromY[i]))C\(n(x1 + pull)) \(n(fromY[i])) \(n(x2 - pull)) \(n(toY[i])) \(n(x2)) \(n(toY[i]))"
            }
            self.edges.append(RoutedEdge(from: edge.from, to: edge.to, relation: edge.relation, path: path))
        }

        // The major's targets share one route, up from the major, along the lane above everything, and down a
        // bracket right of the jobs, so they cross no box and no other edge.
        let trunk = (self.nodes.filter { $0.column == 3 }.map(\.frame.right).max() ?? self.width) + Metrics.targetsBracket / 2
        let r = Metrics.cornerRadius
        let k = r * 0.448  // Quarter circles as cubics: controls 0.552 r along the tangents.
        let lane = self.laneY
        if !bus.isEmpty {
            self.headings.append(Heading(x: trunk - 2 * r, y: lane - 5, text: "职业面向", classes: "lane-label"))
        }
        for item in bus {
            let edge = self.graph.edges[item.edge]
            let a = self.nodes[item.from].frame
            let b = self.nodes[item.to].frame
            let x = a.midX
            let y = b.midY
            var path = "M\(n(x)) \(n(a.y))V\(n(lane + r))C\(n(x)) \(n(lane + k)) \(n(x + k)) \(n(lane)) \(n(x + r)) \(n(lane))"
            path += "H\(n(trunk - r))C\(n(trunk - k)) \(n(lane)) \(n(trunk)) \(n(lane + k)) \(n(trunk)) \(n(lane + r))"
            path += "V\(n(y - r))C\(n(trunk)) \(n(y - k)) \(n(trunk - k)) \(n(y)) \(n(trunk - r)) \(n(y))H\(n(b.right))"
            self.edges.append(RoutedEdge(from: edge.from, to: edge.to, relation: edge.relation, path: path))
        }
    }

    /// The ends of an arc between two nodes of one column; they sit toward each other, so an arc leaving a point
    /// and one entering it do not meet, and both stay clear of the edges to jobs from the point's middle.
    private func arcEnds(from: Int, to: Int, fromY: Double, toY: Double) -> (Double, Double) {
        let direction = self.nodes[to].frame.midY < self.nodes[from].frame.midY ? -1.0 : 1.0
        return (fromY + direction * Metrics.arcPortOffset, toY - direction * Metrics.arcPortOffset)
    }

    /// The depth of a short arc: grows with its span so that longer arcs enclose shorter ones.
    private static func arcDepth(span: Double) -> Double { 20 + span.squareRoot() * 1.6 }

    /// Chooses every prerequisite arc's depth and returns how far right of the points the deepest one bulges.
    ///
    /// Short arcs take a depth from their span. Long arcs would all reach the same depth and merge into one line, so
    /// each gets a lane of its own, from the shortest up: one lane outside every long arc it overlaps, up to a limit.
    /// Below the limit, arcs sharing a lane never overlap, so each lane is a sorted list searched by halves and a
    /// major with tens of thousands of prerequisites still draws in linear-logarithmic time.
    private mutating func planArcs() -> Double {
        var long: [(edge: Int, top: Double, bottom: Double)] = []
        var deepest = 0.0
        for (index, edge) in self.graph.edges.enumerated() {
            guard let from = self.placedIndex[edge.from], let to = self.placedIndex[edge.to], self.nodes[from].column == 2,
                self.nodes[to].column == 2
            else { continue }
            let (y1, y2) = self.arcEnds(from: from, to: to, fromY: self.nodes[from].frame.midY, toY: self.nodes[to].frame.midY)
            let depth = Self.arcDepth(span: abs(y2 - y1))
            if depth < Metrics.arcGutter {
                self.arcDepth[index] = depth
                deepest = max(deepest, depth)
            } else {
                long.append((index, min(y1, y2), max(y1, y2)))
            }
        }
        long.sort { $0.bottom - $0.top < $1.bottom - $1.top }
        // Each lane's spans sorted by top. Below the last lane, spans sharing a lane never overlap, so only the span
        // just before a new one can touch it. The last lane takes whatever overlaps; since arcs come shortest first,
        // a span there that touches a new one starts less than the new one's length above it.
        var occupied = [[(top: Double, bottom: Double)]](repeating: [], count: Metrics.arcLanes)
        func insertionIndex(_ lane: Int, _ bottom: Double) -> Int {
            var low = 0
            var high = occupied[lane].count
            while low < high {
                let middle = (low + high) / 2
                if occupied[lane][middle].top < bottom { low = middle + 1 } else { high = middle }
            }
            return low
        }
        func overlaps(_ lane: Int, _ top: Double, _ bottom: Double) -> Bool {
            var index = insertionIndex(lane, bottom) - 1
            guard lane == Metrics.arcLanes - 1 else { return index >= 0 && top < occupied[lane][index].bottom }
            while index >= 0, occupied[lane][index].top > top - (bottom - top) {
                if top < occupied[lane][index].bottom { return true }
                index -= 1
            }
            return false
        }
        for arc in long {
            let lane = (0..<Metrics.arcLanes).reversed().first { overlaps($0, arc.top, arc.bottom) }.map { min($0 + 1, Metrics.arcLanes - 1) } ?? 0
            occupied[lane].insert((arc.top, arc.bottom), at: insertionIndex(lane, arc.top))
            let depth = Metrics.arcGutter + Double(lane) * Metrics.arcLaneStep
            self.arcDepth[arc.edge] = depth
            deepest = max(deepest, depth)
        }
        // A cubic whose control points both sit at depth d reaches 0.75 d.
        return deepest * 0.75
    }

    // MARK: Legend

    /// Lays the legend out in rows below the title and returns the bottom of the last row.
    private mutating func layOutLegend(top: Double) -> Double {
        var items = [
            LegendItem(sample: .box(classes: "sample point-knowledge", cornerRadius: 3), text: "知识点"),
            LegendItem(sample: .box(classes: "sample point-skill", cornerRadius: 8), text: "技能点"),
            LegendItem(sample: .box(classes: "sample point-skill external", cornerRadius: 8), text: "其他专业课程的技能"),
            LegendItem(sample: .box(classes: "sample point-knowledge missing", cornerRadius: 3), text: "橙色边框：缺资源或缺试题"),
            LegendItem(sample: .badge(classes: "badge badge-resources", text: "缺资源"), text: "尚无已发布的资源"),
            LegendItem(sample: .badge(classes: "badge badge-questions", text: "缺试题"), text: "尚无已审核的试题"),
            LegendItem(sample: .line(classes: "sample sample-teaches", arc: false), text: "课程讲授"),
            LegendItem(sample: .line(classes: "sample sample-prerequisite_of", arc: true), text: "先修（学完前者再学后者）"),
            LegendItem(sample: .line(classes: "sample sample-required_by", arc: false), text: "岗位所需技能"),
            LegendItem(sample: .line(classes: "sample sample-targets", arc: false), text: "职业面向"),
        ]
        if !self.mastery.isEmpty {
            items += [
                LegendItem(sample: .box(classes: "sample mastery-high", cornerRadius: 3), text: "已掌握（≥80%）"),
                LegendItem(sample: .box(classes: "sample mastery-mid", cornerRadius: 3), text: "学习中（50%–80%）"),
                LegendItem(sample: .box(classes: "sample mastery-low", cornerRadius: 3), text: "薄弱（<50%）"),
            ]
        }
        let right = self.width - Metrics.margin
        var x = Metrics.margin
        var y = top
        for i in items.indices {
            if x > Metrics.margin, x + items[i].width > right {
                x = Metrics.margin
                y += 24
            }
            items[i].x = x
            items[i].y = y
            x += items[i].width + 22
        }
        self.legend = items
        return y + 16
    }

    // MARK: Helpers

    /// What a point lacks, for its badges.
    enum Badge {
        case resources, questions
    }

    /// The badges a point carries: none for other majors' skills, whose gaps are not this major's to fill.
    static func badges(of node: CourseSystemGraph.Node) -> [Badge] {
        guard node.type == .point, node.external != true else { return [] }
        var badges: [Badge] = []
        if node.resources == 0 { badges.append(.resources) }
        if node.questions == 0 { badges.append(.questions) }
        return badges
    }

    /// The text a badge shows.
    static func badgeText(_ badge: Badge) -> String {
        switch badge {
        case .resources: "缺资源"
        case .questions: "缺试题"
        }
    }

    static func badgeWidth(_ badge: Badge) -> Double {
        TextMetrics.width(self.badgeText(badge), size: Metrics.badgeFontSize) + 8
    }

    private static func clamp(_ value: Double, _ range: ClosedRange<Double>) -> Double {
        min(max(value, range.lowerBound), range.upperBound)
    }
}

// MARK: - Writing

/// Writes a laid-out map as SVG text.
private struct MapWriter {
    let layout: MapLayout

    /// The whole document.
    func document() -> String {
        let layout = self.layout
        var out = ""
        out.reserveCapacity(4096 + layout.nodes.count * 420 + layout.edges.count * 160)
        let width = n(layout.width)
        let height = n(layout.height)
        out += #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)""#
        out += #" role="img" aria-label="\#(escape(layout.title))" font-family="\#(escape(fontFamily))" font-size="13">"#
        out += "\n<title>\(escape(layout.title))</title>\n<desc>\(escape(layout.subtitle))</desc>\n"
        out += Self.style
        out += Self.markers
        out += #"<rect class="background" width="\#(width)" height="\#(height)"/>"#
        out += "\n"
        self.writeHeader(into: &out)

        out += "<g class=\"bands\">\n"
        for band in layout.bands {
            let f = band.frame
            out += #"<rect class="\#(band.classes)" x="\#(n(f.x))" y="\#(n(f.y))" width="\#(n(f.width))" height="\#(n(f.height))" rx="8"/>"#
            out += "\n"
        }
        for divider in layout.dividers {
            out += #"<path class="divider" d="M\#(n(divider.x1)) \#(n(divider.y))H\#(n(divider.x2))"/>"#
            out += "\n"
        }
        for heading in layout.headings {
            out += #"<text class="\#(heading.classes)" x="\#(n(heading.x))" y="\#(n(heading.y))">\#(escape(heading.text))</text>"#
            out += "\n"
        }
        out += "</g>\n"

        // Lightest edges first so the ones people follow are drawn on top; all below the boxes.
        out += "<g class=\"edges\" fill=\"none\">\n"
        let order: [CourseSystemGraph.Relation] = [.targets, .hasCourse, .teaches, .requiredBy, .prerequisiteOf]
        for relation in order {
            for edge in layout.edges where edge.relation == relation {
                out += #"<path class="edge edge-\#(relation.rawValue)" data-from="\#(escape(edge.from))" data-to="\#(escape(edge.to))""#
                out += #" d="\#(edge.path)"/>"#
                out += "\n"
            }
        }
        out += "</g>\n<g class=\"nodes\">\n"
        for node in layout.nodes { self.write(node, into: &out) }
        out += "</g>\n</svg>\n"
        return out
    }

    private func write(_ placed: PlacedNode, into out: inout String) {
        let node = self.layout.graph.nodes[placed.index]
        let f = placed.frame
        out += #"<g class="node node-\#(node.type.rawValue)\#(placed.classes)" data-id="\#(escape(node.id))""#
        if placed.missingResources || placed.missingQuestions {
            let missing = [placed.missingResources ? "resources" : nil, placed.missingQuestions ? "questions" : nil].compactMap { $0 }
            out += #" data-missing="\#(missing.joined(separator: " "))""#
        }
        out += #"><rect x="\#(n(f.x))" y="\#(n(f.y))" width="\#(n(f.width))" height="\#(n(f.height))" rx="\#(n(placed.cornerRadius))"/>"#
        let size = node.type == .major ? Metrics.majorFontSize : Metrics.fontSize
        let x = placed.leftAligned ? f.x + Metrics.padding : f.midX
        let anchor = placed.leftAligned ? "" : #" text-anchor="middle""#
        if let detail = placed.detail {
            let gap = 3.0
            let top = f.midY - (size + gap + Metrics.detailFontSize) / 2
            out += #"<text class="label" x="\#(n(x))" y="\#(n(top + 0.86 * size))"\#(anchor)>\#(escape(placed.label))</text>"#
            out += #"<text class="detail" x="\#(n(x))" y="\#(n(top + size + gap + 0.86 * Metrics.detailFontSize))"\#(anchor)>"#
            out += #"\#(escape(detail))</text>"#
        } else {
            out += #"<text class="label" x="\#(n(x))" y="\#(n(f.midY + 0.36 * size))"\#(anchor)>\#(escape(placed.label))</text>"#
        }
        out += "<title>\(escape(placed.tooltip))</title>"
        var right = f.right - 5
        let top = f.midY - Metrics.badgeHeight / 2
        for (badge, present) in [(MapLayout.Badge.questions, placed.missingQuestions), (.resources, placed.missingResources)] where present {
            let width = MapLayout.badgeWidth(badge)
            right -= width
            out += Self.badge(
                MapLayout.badgeText(badge),
                classes: badge == .resources ? "badge badge-resources" : "badge badge-questions",
                x: right,
                y: top
            )
            right -= Metrics.badgeGap
        }
        out += "</g>\n"
    }

    /// A small rounded tag such as 缺资源, drawn with a path so the node keeps a single `<rect>`.
    private static func badge(_ text: String, classes: String, x: Double, y: Double) -> String {
        let width = TextMetrics.width(text, size: Metrics.badgeFontSize) + 8
        let h = Metrics.badgeHeight
        let r = 4.0
        let d =
            "M\(n(x + r)) \(n(y))h\(n(width - 2 * r))a\(n(r)) \(n(r)) 0 0 1 \(n(r)) \(n(r))v\(n(h - 2 * r))a\(n(r)) \(n(r)) 0 0 1 -\(n(r)) \(n(r))"
            + "h-\(n(width - 2 * r))a\(n(r)) \(n(r)) 0 0 1 -\(n(r)) -\(n(r))v-\(n(h - 2 * r))a\(n(r)) \(n(r)) 0 0 1 \(n(r)) -\(n(r))z"
        return
            #"<g class="\#(classes)"><path d="\#(d)"/><text x="\#(n(x + 4))" y="\#(n(y + h / 2 + 0.36 * Metrics.badgeFontSize))">\#(text)</text></g>"#
    }

    private func writeHeader(into out: inout String) {
        let layout = self.layout
        out += "<g class=\"header\">\n"
        out += #"<text class="map-title" x="\#(n(Metrics.margin))" y="\#(n(Metrics.margin + 10))">\#(escape(layout.title))</text>"#
        out += "\n"
        out += #"<text class="subtitle" x="\#(n(Metrics.margin))" y="\#(n(Metrics.margin + 32))">\#(escape(layout.subtitle))</text>"#
        out += "\n<g class=\"legend\">\n"
        for item in layout.legend {
            let mid = item.y
            switch item.sample {
            case .box(let classes, let radius):
                out += #"<g class="\#(classes)"><rect x="\#(n(item.x))" y="\#(n(mid - 8))" width="26" height="16" rx="\#(n(radius))"/></g>"#
            case .badge(let classes, let text):
                out += Self.badge(text, classes: classes, x: item.x, y: mid - Metrics.badgeHeight / 2)
            case .line(let classes, let arc):
                let d =
                    arc
                    ? "M\(n(item.x + 4)) \(n(mid - 7))C\(n(item.x + 30)) \(n(mid - 7)) \(n(item.x + 30)) \(n(mid + 7)) \(n(item.x + 4)) \(n(mid + 7))"
                    : "M\(n(item.x)) \(n(mid))H\(n(item.x + 30))"
                out += #"<path class="\#(classes)" fill="none" d="\#(d)"/>"#
            }
            out += #"<text class="legend-text" x="\#(n(item.x + item.sampleWidth + 6))" y="\#(n(mid + 4.3))">\#(escape(item.text))</text>"#
            out += "\n"
        }
        out += "</g>\n</g>\n"
    }

    /// Colours and strokes, in one place so the elements stay small.
    private static let style = """
        <style>
        .background{fill:#fff}
        .map-title{font-size:20px;font-weight:700;fill:#212529}
        .subtitle{font-size:12px;fill:#495057}
        .legend-text{font-size:12px;fill:#343a40}
        .lane-label{font-size:11px;fill:#e67700;text-anchor:end}
        .column-head{font-size:12px;font-weight:700;fill:#868e96}
        .divider{stroke:#dee2e6;stroke-width:1;fill:none}
        .heading{font-size:14px;font-weight:700;fill:#495057}
        .heading-core{fill:#1864ab}
        .heading-foundation{fill:#087f5b}
        .heading-extension{fill:#5f3dc4}
        .heading-external{fill:#868e96}
        .band{fill:#f8f9fa;stroke:#e9ecef}
        .band-external{fill:#fcfcfd;stroke:#ced4da;stroke-dasharray:5 4}
        .node rect{stroke-width:1.2}
        .node text{fill:#212529}
        .node .detail{font-size:10.5px;fill:#495057}
        .node-major rect{fill:#1864ab;stroke:#0b3d6e}
        .node-major text{fill:#fff;font-size:15px;font-weight:700}
        .node-major .detail{fill:#d0ebff;font-size:10.5px;font-weight:400}
        .course-core rect{fill:#d0ebff;stroke:#1c7ed6}
        .course-foundation rect{fill:#c3fae8;stroke:#0ca678}
        .course-extension rect{fill:#e5dbff;stroke:#7950f2}
        .course-other rect{fill:#f1f3f5;stroke:#868e96}
        .point-knowledge rect{fill:#e7f5ff;stroke:#74c0fc}
        .point-skill rect{fill:#ebfbee;stroke:#51cf66}
        .external rect{fill:#f8f9fa;stroke:#adb5bd;stroke-dasharray:4 3}
        .node.external text{fill:#868e96}
        .missing rect{stroke:#f76707;stroke-width:2}
        .mastery-high rect,rect.mastery-high{fill:#b2f2bb}
        .mastery-mid rect,rect.mastery-mid{fill:#ffec99}
        .mastery-low rect,rect.mastery-low{fill:#ffc9c9}
        .node-job rect{fill:#fff9db;stroke:#f59f00}
        .node-job .label{font-weight:700}
        .node:hover rect{stroke-width:2.5}
        .badge text{font-size:10px}
        .badge-resources path{fill:#fff4e6;stroke:#fd7e14}
        .badge-resources text{fill:#d9480f}
        .badge-questions path{fill:#fff5f5;stroke:#fa5252}
        .badge-questions text{fill:#c92a2a}
        .edge,.sample{fill:none}
        .edge-has_course{stroke:#4c6ef5;stroke-width:1.6;marker-end:url(#arrow-has_course)}
        .edge-teaches,.sample-teaches{stroke:#adb5bd;stroke-width:1.1;marker-end:url(#arrow-teaches)}
        .edge-prerequisite_of,.sample-prerequisite_of{stroke:#ae3ec9;stroke-width:1.3;marker-end:url(#arrow-prerequisite_of)}
        .edge-required_by,.sample-required_by{stroke:#2b8a3e;stroke-width:1.2;stroke-opacity:.55;marker-end:url(#arrow-required_by)}
        .edge-targets,.sample-targets{stroke:#f08c00;stroke-width:1.1;stroke-dasharray:5 4;stroke-opacity:.55;marker-end:url(#arrow-targets)}
        </style>

        """

    /// One arrowhead per relation, in the relation's colour.
    private static let markers: String = {
        let colours: [(CourseSystemGraph.Relation, String)] = [
            (.hasCourse, "#4c6ef5"), (.teaches, "#adb5bd"), (.prerequisiteOf, "#ae3ec9"), (.requiredBy, "#2b8a3e"), (.targets, "#f08c00"),
        ]
        var defs = "<defs>\n"
        for (relation, colour) in colours {
            defs += #"<marker id="arrow-\#(relation.rawValue)" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7""#
            defs += #" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 1L10 5L0 9z" fill="\#(colour)"/></marker>"#
            defs += "\n"
        }
        return defs + "</defs>\n"
    }()
}

// MARK: - Formatting

/// A coordinate with at most one decimal, without Foundation's formatter (fast, and locale-proof).
private func n(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    let magnitude = abs(tenths)
    let sign = tenths < 0 ? "-" : ""
    return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
}

/// `text` safe in the map's XML content and double-quoted attributes, line breaks as references (as before).
private func escape(_ text: String) -> String {
    Markup.escape(text, whitespace: .referenced)
}
