import Foundation
import GranaryGraph
import GranaryModel
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct CourseSystemMapTests {
    @Test func theMapIsWellFormedXMLWithAnAccessibleRoot() throws {
        let svg = CourseSystemMap.svg(Self.weldingGraph(), title: "460110 智能焊接技术 课程体系图谱")
        let root = try SVGTree.parse(svg)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["role"] == "img")
        #expect(root.attributes["aria-label"] == "460110 智能焊接技术 课程体系图谱")
        let width = try #require(root.attributes["width"].flatMap(Double.init))
        let height = try #require(root.attributes["height"].flatMap(Double.init))
        #expect(root.attributes["viewBox"] == "0 0 \(root.attributes["width"]!) \(root.attributes["height"]!)")
        #expect(width > 0 && height > 0)
        #expect(root.attributes["font-family"]?.contains("Noto Sans CJK SC") == true)
        #expect(root.all("marker").count >= 4)
    }

    @Test func everyNodeIsDrawnExactlyOnceAsOneBoxWithTextAndTitle() throws {
        for graph in [Self.weldingGraph(), Self.largeGraph()] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            let drawn = root.nodes.map { $0.attributes["data-id"] ?? "" }
            #expect(drawn.sorted() == graph.nodes.map(\.id).sorted())
            for node in root.nodes {
                #expect(node.children.filter { $0.name == "rect" }.count == 1)
                #expect(node.all("rect").count == 1)
                #expect(node.children.contains { $0.name == "text" })
                #expect(node.children.contains { $0.name == "title" })
            }
            let types = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0.type.rawValue) })
            for node in root.nodes {
                #expect(node.classes.starts(with: ["node", "node-\(types[node.attributes["data-id"]!]!)"]))
            }
        }
    }

    @Test func everyEdgeIsDrawnAsASmoothPathBetweenItsEnds() throws {
        for graph in [Self.weldingGraph(), Self.largeGraph()] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            let paths = root.all("path").filter { $0.classes.first == "edge" && $0.attributes["data-from"] != nil }
            let drawn = paths.map { "\($0.attributes["data-from"]!) \($0.attributes["data-to"]!) \($0.classes[1])" }
            let expected = graph.edges.map { "\($0.from) \($0.to) edge-\($0.relation.rawValue)" }
            #expect(drawn.sorted() == expected.sorted())
            #expect(paths.allSatisfy { ($0.attributes["d"] ?? "").contains("C") })
        }
    }

    @Test func noTwoNodeBoxesOverlapAndAllLieInsideTheCanvas() throws {
        for graph in [Self.weldingGraph(), Self.largeGraph()] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            let width = try #require(root.attributes["width"].flatMap(Double.init))
            let height = try #require(root.attributes["height"].flatMap(Double.init))
            let boxes = try root.nodes.map { try #require($0.box) }.sorted { $0.minX < $1.minX }
            #expect(boxes.count == graph.nodes.count)
            var overlaps = 0
            for (i, a) in boxes.enumerated() {
                #expect(a.minX >= 0 && a.minY >= 0 && a.maxX <= width && a.maxY <= height)
                for b in boxes[(i + 1)...] {
                    if b.minX >= a.maxX { break }
                    if a.minY < b.maxY && b.minY < a.maxY { overlaps += 1 }
                }
            }
            #expect(overlaps == 0)
        }
    }

    @Test func columnsRunFromMajorToCoursesToPointsToJobs() throws {
        let root = try SVGTree.parse(CourseSystemMap.svg(Self.weldingGraph(), title: "图谱"))
        let columns = ["node-major", "node-course", "node-point", "node-job"].map { type in
            root.nodes.filter { $0.classes.contains(type) }.compactMap(\.box)
        }
        for (left, right) in zip(columns, columns.dropFirst()) {
            let rightmost = try #require(left.map(\.maxX).max())
            let leftmost = try #require(right.map(\.minX).min())
            #expect(rightmost < leftmost)
        }
    }

    @Test func pointsStackBesideTheirCourseInOrderAndOtherMajorsSkillsComeLast() throws {
        let graph = Self.weldingGraph()
        let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
        let boxes = root.boxesById
        let ownPoints = graph.nodes.filter { $0.type == .point && $0.external != true }
        let tops = ownPoints.map { boxes[$0.id]!.minY }
        #expect(tops == tops.sorted())
        for course in graph.nodes where course.type == .course {
            let points = ownPoints.filter { $0.course == course.key }.map { boxes[$0.id]! }
            let mid = boxes[course.id]!.midY
            #expect(points.map(\.minY).min()! <= mid && mid <= points.map(\.maxY).max()!)
        }
        let external = try #require(root.nodes.first { $0.classes.contains("external") })
        #expect(external.attributes["data-id"] == "point:plc-basics")
        #expect(external.box!.minY > tops.max()!)
        let headings = root.all("text").map(\.text)
        #expect(headings.contains("其他专业课程的技能"))
        #expect(headings.contains("专业核心课（3）"))
        #expect(headings.contains("专业基础课（1）"))
        #expect(headings.contains("知识点") && headings.contains("技能点"))
    }

    @Test func knowledgeAndSkillPointsLookDifferent() throws {
        let root = try SVGTree.parse(CourseSystemMap.svg(Self.weldingGraph(), title: "图谱"))
        let arc = try #require(root.node("point:arc"))
        let smaw = try #require(root.node("point:smaw"))
        #expect(arc.classes.contains("point-knowledge"))
        #expect(smaw.classes.contains("point-skill"))
        #expect(arc.children.first { $0.name == "rect" }?.attributes["rx"] != smaw.children.first { $0.name == "rect" }?.attributes["rx"])
    }

    @Test func aLearnersMasteryFillsThePointsTheyAnsweredOnAndTheLegendSaysHow() throws {
        let plain = try SVGTree.parse(CourseSystemMap.svg(Self.weldingGraph(), title: "图谱"))
        #expect(!plain.all("text").map(\.text).contains("已掌握（≥80%）"))
        let root = try SVGTree.parse(CourseSystemMap.svg(Self.weldingGraph(), title: "图谱", mastery: ["arc": 0.86, "smaw": 0.5, "gmaw": 0.2]))
        #expect(root.node("point:arc")!.classes.contains("mastery-high"))
        #expect(root.node("point:smaw")!.classes.contains("mastery-mid"))
        #expect(root.node("point:gmaw")!.classes.contains("mastery-low"))
        #expect(root.node("point:arc")!.children.first { $0.name == "title" }!.text.hasSuffix("掌握度 86%"))
        let others = root.all("g").filter {
            $0.classes.contains("node-point") && !["point:arc", "point:smaw", "point:gmaw"].contains($0.attributes["data-id"])
        }
        #expect(!others.isEmpty && others.allSatisfy { !$0.classes.contains { $0.hasPrefix("mastery-") } })
        let legend = root.all("text").map(\.text)
        #expect(legend.contains("已掌握（≥80%）") && legend.contains("学习中（50%–80%）") && legend.contains("薄弱（<50%）"))
    }

    @Test func jobsAreOrderedByTheMeanHeightOfTheSkillsTheyRequire() throws {
        for graph in [Self.weldingGraph(), Self.largeGraph()] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            let boxes = root.boxesById
            var required: [String: [Double]] = [:]
            for edge in graph.edges where edge.relation == .requiredBy { required[edge.to, default: []].append(boxes[edge.from]!.midY) }
            let jobs = graph.nodes.filter { $0.type == .job && required[$0.id] != nil }
            let byMean = jobs.sorted { Self.mean(required[$0.id]!) < Self.mean(required[$1.id]!) }.map(\.id)
            let byHeight = jobs.sorted { boxes[$0.id]!.minY < boxes[$1.id]!.minY }.map(\.id)
            #expect(byHeight == byMean)
        }
        let root = try SVGTree.parse(CourseSystemMap.svg(Self.weldingGraph(), title: "图谱"))
        #expect(root.node("job:welder")!.box!.minY < root.node("job:robot-operator")!.box!.minY)
    }

    @Test func prerequisiteArcsStayInTheGutterRightOfThePoints() throws {
        for graph in [Self.weldingGraph(), Self.largeGraph()] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            let points = root.nodes.filter { $0.classes.contains("node-point") }.compactMap(\.box)
            let jobs = root.nodes.filter { $0.classes.contains("node-job") }.compactMap(\.box)
            let pointsRight = try #require(points.map(\.maxX).max())
            let jobsLeft = try #require(jobs.map(\.minX).min())
            let arcs = root.all("path").filter { $0.classes.contains("edge-prerequisite_of") }
            #expect(arcs.count == graph.edges.filter { $0.relation == .prerequisiteOf }.count)
            for arc in arcs {
                let numbers = SVGTree.numbers(in: arc.attributes["d"] ?? "")
                let xs = stride(from: 0, to: numbers.count, by: 2).map { numbers[$0] }
                #expect(xs.count == 4)
                #expect(xs.allSatisfy { $0 >= pointsRight - 0.05 && $0 < jobsLeft })
            }
        }
    }

    @Test func aPrerequisiteArcThatEnclosesAnotherRunsOutsideIt() throws {
        for graph in [Self.weldingGraph(), Self.largeGraph()] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            let arcs = root.all("path").filter { $0.classes.contains("edge-prerequisite_of") }.map { arc in
                let numbers = SVGTree.numbers(in: arc.attributes["d"] ?? "")
                return (top: min(numbers[1], numbers[7]), bottom: max(numbers[1], numbers[7]), depth: numbers[2] - numbers[0])
            }
            var nested = 0
            for outer in arcs {
                for inner in arcs where outer.top < inner.top && inner.bottom < outer.bottom {
                    #expect(outer.depth >= inner.depth, "\(outer) encloses \(inner)")
                    nested += 1
                }
            }
            #expect(nested > 0)
            let long = arcs.filter { $0.bottom - $0.top > 2000 }
            if long.count > 4 { #expect(Set(long.map(\.depth)).count > 4) }
        }
    }

    @Test func theMajorsTargetsReachTheJobsWithoutCrossingAnyBox() throws {
        for graph in [Self.weldingGraph(), Self.largeGraph()] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            let boxes = root.nodes.compactMap(\.box)
            let routes = root.all("path").filter { $0.classes.contains("edge-targets") }
            #expect(routes.count == graph.edges.filter { $0.relation == .targets }.count)
            for route in routes {
                let points = SVGTree.samples(along: route.attributes["d"] ?? "")
                #expect(points.count > 10)
                let crossed = boxes.filter { box in
                    points.contains { box.minX + 0.5 < $0.x && $0.x < box.maxX - 0.5 && box.minY + 0.5 < $0.y && $0.y < box.maxY - 0.5 }
                }
                #expect(crossed.isEmpty, "\(route.attributes["data-to"] ?? "")")
            }
        }
    }

    @Test func markupInNamesAndIdsIsEscaped() throws {
        var graph = Self.weldingGraph()
        graph.nodes.insert(
            CourseSystemGraph.Node(type: .course, key: #"a&b"<c>"#, name: #"焊接<&>"测试"#, category: .extension),
            at: 5
        )
        let svg = CourseSystemMap.svg(graph, title: #"标题 <&> "引号""#)
        #expect(!svg.contains(#"<&>""#))
        #expect(svg.contains("&lt;&amp;&gt;&quot;"))
        let root = try SVGTree.parse(svg)
        #expect(root.attributes["aria-label"] == #"标题 <&> "引号""#)
        let course = try #require(root.node(#"course:a&b"<c>"#))
        #expect(course.children.first { $0.name == "title" }?.text.hasPrefix(#"焊接<&>"测试"#) == true)
        #expect(course.children.first { $0.name == "text" }?.text == #"焊接<&>"测试"#)
    }

    @Test func aLongNameIsShortenedWithAnEllipsisAndKeptWholeInTheTitle() throws {
        var graph = Self.weldingGraph()
        let long = "基于数字孪生与机器视觉的中厚板多层多道焊焊缝跟踪及焊接参数自适应调整综合实训项目"
        let index = try #require(graph.nodes.firstIndex { $0.id == "point:gtaw" })
        graph.nodes[index].name = long
        let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
        let node = try #require(root.node("point:gtaw"))
        let label = try #require(node.children.first { $0.name == "text" }?.text)
        #expect(label.hasSuffix("…"))
        #expect(label.count < long.count)
        #expect(long.hasPrefix(String(label.dropLast())))
        #expect(node.children.first { $0.name == "title" }?.text.hasPrefix(long) == true)
        let short = try #require(root.node("point:arc")?.box)
        #expect(node.box?.width == short.width)
        #expect(try #require(node.box?.width) < 320)
    }

    @Test func shortNamesAreShownWhole() throws {
        let graph = Self.weldingGraph()
        let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
        for node in graph.nodes {
            let drawn = try #require(root.node(node.id))
            #expect(drawn.children.first { $0.name == "text" }?.text == node.name)
        }
    }

    @Test func pointsWithoutResourcesOrQuestionsCarryTheMark() throws {
        let graph = Self.weldingGraph()
        let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
        var marked = 0
        for point in graph.nodes where point.type == .point {
            let node = try #require(root.node(point.id))
            let own = point.external != true
            let lacksResources = own && point.resources == 0
            let lacksQuestions = own && point.questions == 0
            let missing = (node.attributes["data-missing"] ?? "").split(separator: " ")
            let badges = node.all("text").map(\.text)
            #expect(missing.contains("resources") == lacksResources, "\(point.id)")
            #expect(missing.contains("questions") == lacksQuestions, "\(point.id)")
            #expect(badges.contains("缺资源") == lacksResources, "\(point.id)")
            #expect(badges.contains("缺试题") == lacksQuestions, "\(point.id)")
            #expect(node.classes.contains("missing") == (lacksResources || lacksQuestions), "\(point.id)")
            if lacksResources || lacksQuestions { marked += 1 }
        }
        #expect(marked >= 4)
        let legend = try #require(root.all("g").first { $0.classes.contains("legend") })
        let explained = legend.all("text").map(\.text)
        #expect(explained.contains("缺资源") && explained.contains("缺试题"))
        #expect(explained.contains { $0.contains("已发布的资源") } && explained.contains { $0.contains("已审核的试题") })
    }

    @Test func oddGraphsStillDrawEveryNode() throws {
        var graph = Self.weldingGraph()
        graph.nodes.insert(CourseSystemGraph.Node(type: .course, key: "no-category", name: "未分类课程"), at: 5)
        graph.nodes.insert(
            CourseSystemGraph.Node(type: .point, key: "lost", name: "无课程的点", kind: .knowledge, course: "gone", resources: 0, questions: 2),
            at: 10
        )
        graph.nodes.insert(CourseSystemGraph.Node(type: .point, key: "taught", name: "只由边归属的点", kind: .skill), at: 11)
        graph.nodes.append(CourseSystemGraph.Node(type: .job, key: "idle", name: "无技能要求的岗位\n第二行"))
        graph.edges.append(CourseSystemGraph.Edge(from: "course:no-category", to: "point:taught", relation: .teaches))
        graph.edges.append(CourseSystemGraph.Edge(from: "point:arc", to: "point:arc", relation: .prerequisiteOf))
        for graph in [graph, CourseSystemGraph(major: "000000", nodes: [], edges: [])] {
            let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
            #expect(root.nodes.map { $0.attributes["data-id"]! }.sorted() == graph.nodes.map(\.id).sorted())
            #expect(root.all("path").filter { $0.classes.first == "edge" }.count == graph.edges.count)
        }
        let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
        #expect(root.all("text").contains { $0.text == "其他课程（1）" })
        #expect(root.all("text").contains { $0.text == "未归入课程的点：gone" })
        #expect(root.node("point:lost")?.attributes["data-missing"] == "resources")
        #expect(root.node("job:idle")?.children.first { $0.name == "text" }?.text == "无技能要求的岗位 第二行")
        let taught = try #require(root.node("point:taught")?.box)
        let course = try #require(root.node("course:no-category")?.box)
        #expect(taught.minY <= course.midY && course.midY <= taught.maxY)
    }

    @Test func edgesToNodesOutsideTheGraphAreLeftOutAndTheMapStillDraws() throws {
        var graph = Self.weldingGraph()
        graph.edges.append(CourseSystemGraph.Edge(from: "point:arc", to: "job:nowhere", relation: .requiredBy))
        let root = try SVGTree.parse(CourseSystemMap.svg(graph, title: "图谱"))
        #expect(!root.all("path").contains { $0.attributes["data-to"] == "job:nowhere" })
        #expect(root.nodes.count == graph.nodes.count)
    }
}

// MARK: - Graphs

extension CourseSystemMapTests {
    private typealias Node = CourseSystemGraph.Node
    private typealias Edge = CourseSystemGraph.Edge

    /// The welding demo: 460110 智能焊接技术, four courses, sixteen points, one skill taught elsewhere, three jobs.
    static func weldingGraph() -> CourseSystemGraph {
        let major = Node(type: .major, key: "460110", name: "智能焊接技术")
        let courses = [
            Node(type: .course, key: "weld-methods", name: "焊接方法与设备", category: .core),
            Node(type: .course, key: "weld-structure", name: "焊接结构生产", category: .core),
            Node(type: .course, key: "weld-inspection", name: "焊接质量检验", category: .core),
            Node(type: .course, key: "mech-drawing", name: "机械制图", category: .foundation),
        ]
        func point(_ key: String, _ name: String, _ course: String, _ kind: PointKind, _ resources: Int, _ questions: Int) -> Node {
            Node(type: .point, key: key, name: name, kind: kind, course: course, resources: resources, questions: questions)
        }
        let points = [
            point("arc", "焊接电弧", "weld-methods", .knowledge, 3, 5),
            point("weld-power", "弧焊电源", "weld-methods", .knowledge, 0, 0),
            point("metal-transfer", "熔滴过渡", "weld-methods", .knowledge, 1, 2),
            point("smaw", "焊条电弧焊", "weld-methods", .skill, 4, 6),
            point("gmaw", "熔化极气体保护焊", "weld-methods", .skill, 2, 0),
            point("gtaw", "钨极氩弧焊", "weld-methods", .skill, 0, 3),
            point("stress", "焊接应力与变形", "weld-structure", .knowledge, 2, 1),
            point("assembly", "装配与定位焊", "weld-structure", .skill, 1, 2),
            point("process-card", "焊接工艺卡编制", "weld-structure", .skill, 0, 0),
            point("robot-program", "焊接机器人示教编程", "weld-structure", .skill, 3, 2),
            point("defects", "焊接缺陷", "weld-inspection", .knowledge, 2, 4),
            point("visual", "外观检验", "weld-inspection", .skill, 1, 1),
            point("rt", "射线检测原理", "weld-inspection", .knowledge, 1, 0),
            point("ut", "超声波检测", "weld-inspection", .skill, 0, 1),
            point("projection", "正投影法", "mech-drawing", .knowledge, 5, 8),
            point("weld-symbol", "焊缝符号标注", "mech-drawing", .skill, 2, 3),
        ]
        let external = Node(type: .point, key: "plc-basics", name: "PLC 基础编程", kind: .skill, course: "electric-control", external: true)
        let jobs = [
            Node(type: .job, key: "welder", name: "焊工", occupationCode: "6-18-02-04"),
            Node(type: .job, key: "robot-operator", name: "焊接机器人操作员"),
            Node(type: .job, key: "inspector", name: "焊接检验员"),
        ]
        var edges = courses.map { Edge(from: major.id, to: $0.id, relation: .hasCourse) }
        edges += points.map { Edge(from: "course:\($0.course!)", to: $0.id, relation: .teaches) }
        let prerequisites = [
            ("arc", "smaw"), ("arc", "gmaw"), ("arc", "gtaw"), ("weld-power", "smaw"), ("metal-transfer", "gmaw"),
            ("stress", "assembly"), ("smaw", "assembly"), ("gmaw", "robot-program"), ("weld-symbol", "process-card"),
            ("defects", "visual"), ("defects", "ut"), ("projection", "weld-symbol"),
        ]
        edges += prerequisites.map { Edge(from: "point:\($0.0)", to: "point:\($0.1)", relation: .prerequisiteOf) }
        let required = [
            ("smaw", "welder"), ("gmaw", "welder"), ("gtaw", "welder"), ("assembly", "welder"), ("weld-symbol", "welder"),
            ("gmaw", "robot-operator"), ("robot-program", "robot-operator"), ("plc-basics", "robot-operator"),
            ("visual", "inspector"), ("ut", "inspector"), ("weld-symbol", "inspector"),
        ]
        edges += required.map { Edge(from: "point:\($0.0)", to: "job:\($0.1)", relation: .requiredBy) }
        edges += jobs.map { Edge(from: major.id, to: $0.id, relation: .targets) }
        return CourseSystemGraph(major: "460110", nodes: [major] + courses + points + [external] + jobs, edges: edges)
    }

    /// A large major, the same for every run: 12 courses × 40 points, 6 skills taught elsewhere, 30 jobs.
    static func largeGraph() -> CourseSystemGraph {
        var random = SplitMix64(seed: 460_110)
        let syllables = Array("焊接电弧结构检验装配工艺机器人编程控制材料热处理变形应力检测数控切割气体保护钨极氩")
        func name(_ length: Int) -> String { String((0..<length).map { _ in syllables[random.next(syllables.count)] }) }
        let major = Node(type: .major, key: "460199", name: "大型测试专业")
        let categories: [CourseCategory] =
            [.core, .core, .core, .core, .foundation, .foundation, .foundation, .foundation, .extension, .extension]
            + [.extension, .extension]
        let courses = categories.enumerated().map { i, category in
            Node(type: .course, key: "c\(i)", name: "\(name(3 + random.next(8)))\(i)", category: category)
        }
        var points: [Node] = []
        var edges = courses.map { Edge(from: major.id, to: $0.id, relation: .hasCourse) }
        for course in courses {
            for j in 0..<40 {
                let point = Node(
                    type: .point,
                    key: "\(course.key)-p\(j)",
                    name: name(2 + random.next(random.next(5) == 0 ? 30 : 9)),
                    kind: random.next(2) == 0 ? .knowledge : .skill,
                    course: course.key,
                    resources: random.next(4),
                    questions: random.next(4)
                )
                edges.append(Edge(from: course.id, to: point.id, relation: .teaches))
                if j > 0, random.next(2) == 0 {
                    let earlier = random.next(5) == 0 ? points[random.next(points.count)] : points[points.count - 1 - random.next(min(j, 5))]
                    edges.append(Edge(from: earlier.id, to: point.id, relation: .prerequisiteOf))
                }
                points.append(point)
            }
        }
        let externals = (0..<6).map {
            Node(type: .point, key: "x\($0)", name: "外专业技能\(name(4))", kind: .skill, course: "other-\($0)", external: true)
        }
        let jobs = (0..<30).map { Node(type: .job, key: "j\($0)", name: "\(name(2 + random.next(7)))员", occupationCode: "6-\($0)-01-0\($0 % 9)") }
        let skills = points.filter { $0.kind == .skill } + externals
        for job in jobs {
            for _ in 0..<(3 + random.next(6)) { edges.append(Edge(from: skills[random.next(skills.count)].id, to: job.id, relation: .requiredBy)) }
            edges.append(Edge(from: major.id, to: job.id, relation: .targets))
        }
        return CourseSystemGraph(major: major.key, nodes: [major] + courses + points + externals + jobs, edges: edges)
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}

extension CourseSystemMapTests {
    /// A small deterministic generator, so the large graph is the same in every run.
    struct SplitMix64 {
        private var state: UInt64

        init(seed: UInt64) { self.state = seed }

        /// A number in `0..<bound`.
        mutating func next(_ bound: Int) -> Int {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

}

// MARK: - Reading the SVG back

extension CourseSystemMapTests {
    /// The parsed SVG as a tree, read with a real XML parser so malformed output fails the tests.
    final class SVGTree {
        /// A box read from a `<rect>`.
        struct Box {
            let minX: Double
            let minY: Double
            let width: Double
            let height: Double

            var maxX: Double { self.minX + self.width }
            var maxY: Double { self.minY + self.height }
            var midY: Double { self.minY + self.height / 2 }
        }

        let name: String
        let attributes: [String: String]
        var children: [SVGTree] = []
        var text = ""

        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        /// The class attribute's words.
        var classes: [String] { (self.attributes["class"] ?? "").split(separator: " ").map(String.init) }

        /// This element and every element below it with `name`, in document order.
        func all(_ name: String) -> [SVGTree] {
            var found = self.name == name ? [self] : []
            for child in self.children { found += child.all(name) }
            return found
        }

        /// The node groups.
        var nodes: [SVGTree] { self.all("g").filter { $0.classes.first == "node" } }

        /// Every node's box by id (the first, should a node be drawn twice).
        var boxesById: [String: Box] {
            Dictionary(self.nodes.compactMap { node in node.box.map { (node.attributes["data-id"] ?? "", $0) } }, uniquingKeysWith: { a, _ in a })
        }

        /// The node group drawn for `id`.
        func node(_ id: String) -> SVGTree? { self.nodes.first { $0.attributes["data-id"] == id } }

        /// The box of a node group: its one `<rect>`.
        var box: Box? {
            guard let rect = self.children.first(where: { $0.name == "rect" }),
                let x = rect.attributes["x"].flatMap(Double.init), let y = rect.attributes["y"].flatMap(Double.init),
                let width = rect.attributes["width"].flatMap(Double.init), let height = rect.attributes["height"].flatMap(Double.init)
            else { return nil }
            return Box(minX: x, minY: y, width: width, height: height)
        }

        /// The numbers in path data such as `M10 20C30 20 30 40 10 40`.
        static func numbers(in path: String) -> [Double] {
            path.split(whereSeparator: { !"0123456789.-".contains($0) }).compactMap { Double($0) }
        }

        /// Points along absolute path data made of `M`, `H`, `V` and `C`: every 4 units on lines, 12 per curve.
        static func samples(along path: String) -> [(x: Double, y: Double)] {
            var points: [(x: Double, y: Double)] = []
            var current = (x: 0.0, y: 0.0)
            var scanner = path[...]
            func line(to end: (x: Double, y: Double)) {
                let steps = max(1, Int((abs(end.x - current.x) + abs(end.y - current.y)) / 4))
                for i in 1...steps {
                    let t = Double(i) / Double(steps)
                    points.append((current.x + (end.x - current.x) * t, current.y + (end.y - current.y) * t))
                }
                current = end
            }
            while let command = scanner.first {
                scanner = scanner.dropFirst()
                let end = scanner.firstIndex { "MHVCLZz".contains($0) } ?? scanner.endIndex
                let values = self.numbers(in: String(scanner[..<end]))
                scanner = scanner[end...]
                switch command {
                case "M" where values.count == 2: current = (values[0], values[1])
                case "H" where values.count == 1: line(to: (values[0], current.y))
                case "V" where values.count == 1: line(to: (current.x, values[0]))
                case "C" where values.count == 6:
                    let (p0, p1, p2, p3) = (current, (values[0], values[1]), (values[2], values[3]), (values[4], values[5]))
                    for i in 1...12 {
                        let t = Double(i) / 12
                        let u = 1 - t
                        let x = u * u * u * p0.x + 3 * u * u * t * p1.0 + 3 * u * t * t * p2.0 + t * t * t * p3.0
                        let y = u * u * u * p0.y + 3 * u * u * t * p1.1 + 3 * u * t * t * p2.1 + t * t * t * p3.1
                        points.append((x, y))
                    }
                    current = (p3.0, p3.1)
                default: return []
                }
            }
            return points
        }

        /// Parses `svg`, throwing when it is not well-formed XML.
        static func parse(_ svg: String) throws -> SVGTree {
            let parser = XMLParser(data: Data(svg.utf8))
            let builder = Builder()
            parser.delegate = builder
            guard parser.parse(), let root = builder.root else {
                throw ParseError(message: parser.parserError.map { String(describing: $0) } ?? "no root", line: parser.lineNumber)
            }
            return root
        }

        /// Why the SVG could not be read.
        struct ParseError: Error {
            let message: String
            let line: Int
        }

        /// Builds the tree from parser events.
        private final class Builder: NSObject, XMLParserDelegate {
            var root: SVGTree?
            var stack: [SVGTree] = []

            func parser(
                _ parser: XMLParser,
                didStartElement elementName: String,
                namespaceURI: String?,
                qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                let element = SVGTree(name: elementName, attributes: attributes)
                self.stack.last?.children.append(element)
                if self.root == nil { self.root = element }
                self.stack.append(element)
            }

            func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
                self.stack.removeLast()
            }

            func parser(_ parser: XMLParser, foundCharacters string: String) {
                self.stack.last?.text += string
            }
        }
    }
}
