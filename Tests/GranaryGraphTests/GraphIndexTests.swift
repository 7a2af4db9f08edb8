import GranaryGraph
import GranaryModel
import Testing

@Suite struct GraphIndexTests {
    @Test func reachabilityFollowsEveryLink() {
        var builder = GraphIndex.Builder()
        let major = builder.add(.major, key: "m", name: "m")
        let course = builder.add(.course, key: "c", name: "c")
        let knowledge = builder.add(.knowledge, key: "k", name: "k")
        let skill = builder.add(.skill, key: "s", name: "s")
        let job = builder.add(.job, key: "j", name: "j")
        let other = builder.add(.job, key: "o", name: "o")
        builder.link(major, course, .hasCourse)
        builder.link(course, knowledge, .teaches)
        builder.link(knowledge, skill, .prerequisiteOf)
        builder.link(skill, job, .requiredBy)
        let index = builder.build(revision: 1)
        #expect(index.reachable(from: course, keeping: .job) == [job])
        #expect(index.reachable(from: skill, keeping: .job) == [job])
        #expect(index.reachable(from: job, keeping: .job) == [job])
        #expect(index.reachable(from: other, keeping: .knowledge).isEmpty)
        #expect(index.uncoveredSkills(of: job, from: major, along: [.hasCourse, .teaches]) == [skill])
        #expect(index.uncoveredSkills(of: job, from: major, along: [.hasCourse, .teaches, .prerequisiteOf]).isEmpty)
    }
}

@Suite struct GraphIndexRandomTests {
    /// A small splitmix generator, so a failure can be replayed from its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func traversalsAgreeWithAPlainSearchOnRandomGraphs(seed: UInt64) {
        var random = Generator(state: seed)
        let kinds: [GraphIndex.Kind] = [.major, .course, .knowledge, .skill, .job]
        var builder = GraphIndex.Builder()
        var nodes: [GraphIndex.Kind] = []
        for number in 0..<400 {
            let kind = kinds[Int.random(in: 0..<kinds.count, using: &random)]
            builder.add(kind, key: "n\(number)", name: "n\(number)")
            nodes.append(kind)
        }
        var edges: [(Int, Int, GraphIndex.Link)] = []
        for _ in 0..<1_200 {
            let edge = (
                Int.random(in: 0..<400, using: &random), Int.random(in: 0..<400, using: &random),
                GraphIndex.Link.allCases.randomElement(using: &random)!
            )
            edges.append(edge)
            builder.link(GraphIndex.Node(edge.0), GraphIndex.Node(edge.1), edge.2)
        }
        let index = builder.build(revision: 0)
        var outgoing: [Int: [(Int, GraphIndex.Link)]] = [:]
        for (source, target, link) in edges { outgoing[source, default: []].append((target, link)) }
        func successors(_ node: Int, _ link: GraphIndex.Link?) -> [Int] {
            (outgoing[node] ?? []).filter { link == nil || $0.1 == link }.map(\.0)
        }
        for start in 0..<400 {
            var seen: Set<Int> = [start]
            var stack = [start]
            while let node = stack.popLast() {
                for next in successors(node, nil) where seen.insert(next).inserted { stack.append(next) }
            }
            let expected = seen.filter { nodes[$0] == .job }.sorted().map { GraphIndex.Node($0) }
            #expect(index.reachable(from: GraphIndex.Node(start), keeping: .job) == expected)
        }
        let path: [GraphIndex.Link] = [.hasCourse, .teaches]
        for job in 0..<400 where nodes[job] == .job {
            let required = Set(edges.filter { $0.1 == job && $0.2 == .requiredBy }.map(\.0))
            for source in stride(from: 0, to: 400, by: 7) {
                let covered = Set(successors(source, .hasCourse).flatMap { successors($0, .teaches) })
                let expected = required.subtracting(covered).sorted().map { GraphIndex.Node($0) }
                #expect(index.uncoveredSkills(of: GraphIndex.Node(job), from: GraphIndex.Node(source), along: path) == expected)
            }
        }
    }
}
