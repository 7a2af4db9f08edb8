import GranaryAssessment
import GranaryModel
import Testing

@Suite struct PaperAssemblerTests {
    /// An assembler whose wall-clock cap is far out of reach, so that only the iteration budget decides (debug
    /// builds are many times slower than release ones).
    static func assembler(exhaustiveLimit: Int = PaperAssembler().exhaustiveLimit) -> PaperAssembler {
        PaperAssembler(timeLimit: .seconds(600), exhaustiveLimit: exhaustiveLimit)
    }

    // MARK: - Feasible papers

    @Test func papersFromRandomBanksMeetEveryConstraintTheirBlueprintSets() throws {
        let quotas: [QuestionType: Int] = [.single: 5, .multiple: 3, .judge: 3, .fill: 2, .short: 2, .practical: 1]
        var checked = 0
        for size in [60, 400, 3_000] {
            for maxPoints in [1, 3] {
                for seed in UInt64(1)...6 {
                    let bank = TestBanks.bank(size: size, points: size / 4, maxPoints: maxPoints, seed: seed &* 7 &+ UInt64(size))
                    let planted = TestBanks.plantedBlueprint(
                        bank: bank,
                        quotas: quotas,
                        seed: seed,
                        capped: seed % 3 != 0,
                        fixedScore: seed % 4 != 0,
                        coverAll: seed % 2 == 0
                    )
                    let answer = Self.assembler().assemble(bank, blueprint: planted.blueprint)
                    let paper = try #require(answer.paper, "size \(size), points ≤ \(maxPoints), seed \(seed): \(String(describing: answer))")
                    #expect(TestBanks.problems(paper, bank: bank, blueprint: planted.blueprint) == [], "size \(size), seed \(seed)")
                    #expect(paper.value >= planted.plantedValue, "size \(size), seed \(seed): below the planted paper")
                    checked += 1
                }
            }
        }
        #expect(checked == 36)
    }

    @Test func theHandWorkedBankGivesItsUniqueOptimum() throws {
        // Feasible papers: {1, 2, 5} (value 245) and {2, 3, 4} (value 200); every other selection breaks the
        // total, the band, the cover or the cap of one question per point.
        let bank = [
            PaperCandidate(index: 0, type: .single, difficulty: 2, score: 1, points: [1], value: 50),
            PaperCandidate(index: 1, type: .single, difficulty: 3, score: 1, points: [2], value: 60),
            PaperCandidate(index: 2, type: .single, difficulty: 1, score: 2, points: [1], value: 90),
            PaperCandidate(index: 3, type: .single, difficulty: 4, score: 1, points: [3], value: 70),
            PaperCandidate(index: 4, type: .judge, difficulty: 2, score: 1, points: [2], value: 40),
            PaperCandidate(index: 5, type: .judge, difficulty: 5, score: 1, points: [3], value: 95),
            PaperCandidate(index: 6, type: .judge, difficulty: 3, score: 2, points: [1], value: 80),
        ]
        let blueprint = PaperBlueprint(quotas: [.single: 2, .judge: 1], score: 4, difficultySum: 6...9, cover: [1, 2], maxPerPoint: 1)
        for assembler in [Self.assembler(), Self.assembler(exhaustiveLimit: 0)] {
            let paper = try #require(assembler.assemble(bank, blueprint: blueprint).paper)
            #expect(paper.items == [1, 2, 5])
            #expect(paper.value == 245)
            #expect(paper.scoreSum == 4 && paper.difficultySum == 9 && paper.maxItemsOnOnePoint == 1)
            #expect(paper.coveredPoints == [1, 2, 3])
        }
        #expect(TestBanks.bruteForceOptimum(bank, blueprint) == 245)
    }

    @Test func smallBanksGetTheBruteForceOptimumByEnumerationAndBySearch() throws {
        let quotas: [QuestionType: Int] = [.single: 2, .judge: 2, .short: 1]
        for seed in UInt64(1)...12 {
            let bank = TestBanks.bank(size: 18, points: 6, maxPoints: seed % 2 == 0 ? 2 : 1, seed: seed)
            let planted = TestBanks.plantedBlueprint(bank: bank, quotas: quotas, seed: seed, capped: true, fixedScore: true)
            let optimum = try #require(TestBanks.bruteForceOptimum(bank, planted.blueprint))
            let enumerated = try #require(Self.assembler().assemble(bank, blueprint: planted.blueprint).paper)
            #expect(enumerated.provenOptimal)
            #expect(enumerated.value == optimum, "seed \(seed)")
            let searched = try #require(Self.assembler(exhaustiveLimit: 0).assemble(bank, blueprint: planted.blueprint).paper)
            #expect(searched.provenOptimal == (searched.bound == searched.value))
            #expect(searched.value == optimum, "seed \(seed)")
            // The relaxation's bound is never below the optimum.
            #expect(searched.bound >= optimum, "seed \(seed)")
            #expect(TestBanks.problems(searched, bank: bank, blueprint: planted.blueprint) == [])
        }
    }

    @Test func parallelPapersEachMeetTheBlueprintShareAtMostTheAllowanceAndCarryTheBound() throws {
        let quotas: [QuestionType: Int] = [.single: 3, .judge: 2, .short: 1]
        for seed in UInt64(1)...8 {
            let bank = TestBanks.bank(size: 60, points: 8, maxPoints: 2, seed: seed)
            let planted = TestBanks.plantedBlueprint(bank: bank, quotas: quotas, seed: seed, capped: false, fixedScore: false)
            let answers = Self.assembler(exhaustiveLimit: 0).assemble(bank, blueprint: planted.blueprint, papers: 3, maxShared: 1)
            let papers = answers.compactMap(\.paper)
            guard papers.count == 3 else {
                // A bank too small for three papers names the constraint the last one could not meet.
                #expect(answers.last?.infeasibility != nil, "seed \(seed)")
                continue
            }
            for paper in papers {
                #expect(TestBanks.problems(paper, bank: bank, blueprint: planted.blueprint) == [], "seed \(seed)")
                #expect(paper.bound == papers[0].bound && paper.value <= paper.bound, "seed \(seed)")
            }
            for (a, b) in [(0, 1), (0, 2), (1, 2)] {
                #expect(Set(papers[a].items).intersection(papers[b].items).count <= 1, "seed \(seed)")
            }
            #expect(papers[0].value >= papers[1].value, "seed \(seed)")
            if let optimum = TestBanks.bruteForceOptimum(bank, planted.blueprint) { #expect(papers[0].bound >= optimum) }
        }
    }

    @Test func theBankReductionKeepsTheOptimum() throws {
        // Two difficulties and one score per type: large groups of interchangeable questions, most of them cut.
        for seed in UInt64(1)...10 {
            var random = TestBanks.Generator(seed)
            var bank: [PaperCandidate] = []
            for index in 0..<30 {
                let single = index % 2 == 0
                let difficulty = random.int(1...2)
                let point = Int32(random.int(0...7))
                let value = random.int(0...40)
                bank.append(
                    PaperCandidate(
                        index: Int32(index),
                        type: single ? .single : .judge,
                        difficulty: difficulty,
                        score: single ? 1 : 2,
                        points: [point],
                        value: value
                    )
                )
            }
            let blueprint = PaperBlueprint(
                quotas: [.single: 2, .judge: 2],
                score: 6,
                difficultySum: 5...7,
                cover: [Int32(seed % 8)],
                maxPerPoint: seed % 2 == 0 ? 1 : nil
            )
            let optimum = TestBanks.bruteForceOptimum(bank, blueprint)
            let answer = Self.assembler(exhaustiveLimit: 1_000_000).assemble(bank, blueprint: blueprint)
            #expect(answer.paper?.value == optimum, "seed \(seed)")
            if let paper = answer.paper {
                #expect(paper.consideredItems < bank.count)
                #expect(paper.provenOptimal)
            }
        }
    }

    @Test func theSameSeedGivesTheSamePaper() throws {
        let bank = TestBanks.bank(size: 2_000, points: 300, maxPoints: 2, seed: 99)
        let quotas: [QuestionType: Int] = [.single: 8, .multiple: 5, .judge: 5, .fill: 3, .short: 3, .practical: 2]
        let planted = TestBanks.plantedBlueprint(bank: bank, quotas: quotas, seed: 5, capped: true, fixedScore: true)
        let first = Self.assembler().assemble(bank, blueprint: planted.blueprint)
        let second = Self.assembler().assemble(bank, blueprint: planted.blueprint)
        #expect(first.paper != nil)
        #expect(first == second)
        var reseeded = planted.blueprint
        reseeded.seed = 6
        let other = try #require(Self.assembler().assemble(bank, blueprint: reseeded).paper)
        #expect(TestBanks.problems(other, bank: bank, blueprint: reseeded) == [])
    }

    @Test func theDifficultyBandRoundsInwardsWithoutLosingExactBounds() {
        #expect(PaperBlueprint.difficultySum(mean: 3.0, tolerance: 0.2, count: 50) == 140...160)
        #expect(PaperBlueprint.difficultySum(mean: 2.5, tolerance: 0.1, count: 7) == 17...18)
    }

    // MARK: - Infeasible blueprints, one reason each

    /// Three singles (scores 1, 1, 2), two judges and three practicals over points 1…4.
    private static let smallBank = [
        PaperCandidate(index: 0, type: .single, difficulty: 1, score: 1, points: [1], value: 10),
        PaperCandidate(index: 1, type: .single, difficulty: 2, score: 1, points: [2], value: 20),
        PaperCandidate(index: 2, type: .single, difficulty: 3, score: 2, points: [3], value: 30),
        PaperCandidate(index: 3, type: .judge, difficulty: 2, score: 1, points: [1], value: 40),
        PaperCandidate(index: 4, type: .judge, difficulty: 4, score: 1, points: [2], value: 50),
        PaperCandidate(index: 5, type: .practical, difficulty: 5, score: 8, points: [4], value: 60),
        PaperCandidate(index: 6, type: .practical, difficulty: 4, score: 6, points: [4], value: 70),
        PaperCandidate(index: 7, type: .practical, difficulty: 3, score: 10, points: [4], value: 80),
    ]

    private func reason(_ blueprint: PaperBlueprint, bank: [PaperCandidate] = smallBank) throws -> PaperInfeasibility {
        try #require(Self.assembler().assemble(bank, blueprint: blueprint).infeasibility)
    }

    @Test func tooFewQuestionsOfATypeAreNamedAsTheTypeQuota() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.single: 1, .practical: 4], difficultySum: 0...100))
        #expect(failure.reason == .typeQuota && failure.proven)
        #expect(failure.message == "the bank has 3 practical items, the blueprint asks for 4")
    }

    @Test func aCoverPointWithoutQuestionsIsNamed() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.single: 2], difficultySum: 0...100, cover: [1, 99]))
        #expect(failure.reason == .cover)
        #expect(failure.message == "point 99 has no item")
    }

    @Test func aCoverPointWhoseQuestionsAreAllOfUnaskedTypesIsNamed() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.single: 2, .judge: 1], difficultySum: 0...100, cover: [4]))
        #expect(failure.reason == .cover)
        #expect(failure.message == "point 4 has no item of a type the blueprint asks for")
    }

    @Test func moreCoverPointsThanThePaperCanAssessAreNamed() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.single: 1, .judge: 1], difficultySum: 0...100, cover: [1, 2, 3]))
        #expect(failure.reason == .cover)
        #expect(failure.message.contains("can assess at most 2"))
    }

    @Test func aTotalScoreOutsideTheQuotasReachIsNamed() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.single: 2, .practical: 1], score: 100, difficultySum: 0...100))
        #expect(failure.reason == .score && failure.proven)
        #expect(failure.message == "no selection reaches a total of exactly 100: with these quotas the totals lie between 8 and 13")
    }

    @Test func aTotalScoreBetweenReachableTotalsIsNamed() throws {
        // Practical scores 6, 8 and 10 with a quota of two: totals 14, 16 and 18 only.
        let failure = try self.reason(PaperBlueprint(quotas: [.practical: 2], score: 15, difficultySum: 0...100))
        #expect(failure.reason == .score)
        #expect(failure.message == "no selection reaches a total of exactly 15 with these quotas")
    }

    @Test func anUnreachableDifficultyBandIsNamed() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.single: 2, .judge: 2], difficultySum: 20...30))
        #expect(failure.reason == .difficulty)
        #expect(failure.message.hasPrefix("no selection has a difficulty sum within 20…30"))
    }

    @Test func aCapThatCannotHoldATypesQuotaIsNamed() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.practical: 3], difficultySum: 0...100, maxPerPoint: 2))
        #expect(failure.reason == .maxPerPoint)
        #expect(failure.message.contains("practical items assess only 1 point; at most 2 items per point allows 2 of the 3"))
    }

    @Test func aCapOfZeroWithPointsToCoverIsNamed() throws {
        let failure = try self.reason(PaperBlueprint(quotas: [.single: 1], difficultySum: 0...100, cover: [1], maxPerPoint: 0))
        #expect(failure.reason == .maxPerPoint)
    }

    @Test func constraintsThatClashOnlyTogetherAreNamedAfterTheSearch() throws {
        // Cheap questions are easy and dear ones hard: a total of 5 from three needs difficulty 7, the band allows
        // 3…6, though each constraint alone can be met. Both answers name the difficulty, the closest miss.
        var bank: [PaperCandidate] = []
        for index in 0..<40 {
            let dear = index % 2 == 1
            bank.append(
                PaperCandidate(
                    index: Int32(index),
                    type: .single,
                    difficulty: dear ? 5 : 1,
                    score: dear ? 3 : 1,
                    points: [Int32(index % 7)],
                    value: index
                )
            )
        }
        let blueprint = PaperBlueprint(quotas: [.single: 3], score: 5, difficultySum: 3...6)
        let proof = try #require(Self.assembler(exhaustiveLimit: 100_000).assemble(Array(bank.prefix(10)), blueprint: blueprint).infeasibility)
        #expect(proof.reason == .difficulty && proof.proven)
        #expect(proof.message.hasPrefix("no selection of the bank has a difficulty sum within 3…6"))
        let search = try #require(Self.assembler(exhaustiveLimit: 0).assemble(bank, blueprint: blueprint).infeasibility)
        #expect(search.reason == .difficulty && !search.proven)
        #expect(search.message.hasPrefix("the search found no paper that has a difficulty sum within 3…6"))
    }
}
