import Testing

@testable import GranaryAssessment

/// The Elo estimate of mastery: it moves the right way, by how surprising an answer is, less as evidence builds.
@Suite struct MasteryModelTests {
    typealias Answer = MasteryModel.Answer

    static func estimate(_ answers: [Answer]) -> [String: MasteryModel.Estimate] {
        MasteryModel.update([:], with: answers)
    }

    @Test func rightAnswersRaiseMasteryAndWrongOnesLowerIt() {
        let right = Self.estimate([Answer(points: ["arc"], difficulty: 3, outcome: 1)])["arc"]!
        let wrong = Self.estimate([Answer(points: ["arc"], difficulty: 3, outcome: 0)])["arc"]!
        #expect(right.mastery > 0.5 && wrong.mastery < 0.5)
        #expect(abs(right.mastery - 0.5 - (0.5 - wrong.mastery)) < 1e-12)
        #expect(right.answers == 1 && right.level == "new")
        // Partial credit moves it part of the way.
        let part = Self.estimate([Answer(points: ["arc"], difficulty: 3, outcome: 0.6)])["arc"]!
        #expect(part.mastery > 0.5 && part.mastery < right.mastery)
    }

    @Test func aHardQuestionAnsweredRightTellsMoreThanAnEasyOne() {
        let hard = Self.estimate([Answer(points: ["arc"], difficulty: 5, outcome: 1)])["arc"]!
        let easy = Self.estimate([Answer(points: ["arc"], difficulty: 1, outcome: 1)])["arc"]!
        #expect(hard.mastery > easy.mastery)
        let missedEasy = Self.estimate([Answer(points: ["arc"], difficulty: 1, outcome: 0)])["arc"]!
        let missedHard = Self.estimate([Answer(points: ["arc"], difficulty: 5, outcome: 0)])["arc"]!
        #expect(missedEasy.mastery < missedHard.mastery)
    }

    @Test func evidenceSettlesTheEstimateAndMasteryNeedsThreeAnswers() {
        var answers: [Answer] = []
        var steps: [Double] = []
        var last = 0.5
        for _ in 0..<8 {
            answers.append(Answer(points: ["arc"], difficulty: 3, outcome: 1))
            let now = Self.estimate(answers)["arc"]!.mastery
            steps.append(now - last)
            last = now
        }
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 > $1 }, "\(steps)")
        let two = Self.estimate(Array(answers.prefix(2)))["arc"]!
        #expect(two.level == "learning")
        let many = Self.estimate(answers)["arc"]!
        #expect(many.level == "mastered" && many.mastery >= MasteryModel.masteredAt)
        // A wrong answer after a long run costs less than the first one did.
        let fall = many.mastery - Self.estimate(answers + [Answer(points: ["arc"], difficulty: 3, outcome: 0)])["arc"]!.mastery
        #expect(fall < 0.5 - Self.estimate([Answer(points: ["arc"], difficulty: 3, outcome: 0)])["arc"]!.mastery)
        let weak = Self.estimate(Array(repeating: Answer(points: ["arc"], difficulty: 2, outcome: 0), count: 3))["arc"]!
        #expect(weak.level == "weak")
    }

    @Test func aQuestionOnSeveralPointsSharesItsEvidence() {
        let one = Self.estimate([Answer(points: ["arc"], difficulty: 3, outcome: 1)])["arc"]!
        let shared = Self.estimate([Answer(points: ["arc", "gmaw", "arc"], difficulty: 3, outcome: 1)])
        #expect(shared.count == 2 && shared["arc"]!.answers == 1)
        #expect(shared["arc"]!.mastery < one.mastery && shared["arc"]!.mastery > 0.5)
        #expect(shared["arc"]! == shared["gmaw"]!)
        // Outcomes outside 0…1 are held to it; a question on no point changes nothing.
        #expect(Self.estimate([Answer(points: ["arc"], difficulty: 3, outcome: 7)])["arc"] == one)
        #expect(Self.estimate([Answer(points: [], difficulty: 3, outcome: 1)]).isEmpty)
    }
}
