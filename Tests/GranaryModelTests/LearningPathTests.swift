import Testing

@testable import GranaryModel

@Suite struct LearningPathTests {
    @Test func prerequisitesComeFirstAndTiesKeepTheGivenOrder() {
        let order = LearningPath.ordered(["d", "b", "a", "c"], prerequisites: ["d": ["b", "c"], "b": ["a"], "c": [], "a": ["outside"]])
        #expect(order == ["a", "b", "c", "d"], "b is ready after a and comes before c in the given order")
        // A cycle (the catalogue refuses them) cannot lose a point.
        #expect(Set(LearningPath.ordered(["x", "y"], prerequisites: ["x": ["y"], "y": ["x"]])) == ["x", "y"])
    }

    @Test func theNextStepIsTheFirstUnmasteredWhosePrerequisitesAreMastered() {
        func step(_ id: String, _ before: [String]) -> LearningPath.Step {
            .init(
                id: id,
                name: id,
                kind: .knowledge,
                course: nil,
                prerequisites: before,
                required: false,
                resources: [],
                resourceCount: 0,
                questionCount: 0
            )
        }
        let path = LearningPath(
            job: Job(id: "j", name: "岗位", occupationCode: "1", skills: ["c"]),
            steps: [step("a", []), step("b", ["a"]), step("c", ["b"])]
        )
        #expect(path.next == "a" && path.mastered == 0 && path.ratio == 0)
        let standing = path.standing(["a": (0.9, 4, "mastered"), "b": (0.4, 3, "weak")])
        #expect(standing.next == "b" && standing.mastered == 1 && standing.ratio == 0.333)
        #expect(standing.steps.map(\.mastery) == [0.9, 0.4, nil] && standing.steps.map(\.level) == ["mastered", "weak", "new"])
        #expect(path.standing(["a": (0.9, 4, "mastered"), "b": (0.85, 3, "mastered"), "c": (0.8, 3, "mastered")]).next == nil)
    }
}
