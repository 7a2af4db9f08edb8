import Foundation
import GranaryModel

/// A question's scoring rule written as QTI: options and text blanks as mappings (`map_response`, the sum of the
/// blanks' mappings), number blanks as `equal` with the tolerance or `equalRounded`, a group of blanks taking each
/// answer once as guards that a blank repeats none before it, all or nothing as one condition over every blank, and
/// the rule's bounds as the mapping's or as conditions on `SCORE`. Importing the item proves it scores the same.
extension QTIExport.Builder {
    mutating func scoredResponseDeclarations(_ scoring: QuestionScoring) {
        let score = self.question.score
        switch (self.question.type, self.question.answer) {
        case (.single, _), (.multiple, _):
            let key: [String] =
                switch self.question.answer {
                case .string(let id): [id]
                case .array(let ids): ids.compactMap { if case .string(let id) = $0 { id } else { nil } }
                default: []
                }
            let points = scoring.optionPoints ?? [:]
            let entries = self.question.options.compactMap { option -> (String, String, String?)? in
                guard let value = points[option.id], value != 0, let identifier = self.choiceIdentifier(option.id) else { return nil }
                return (identifier, QTIExport.number(value), nil)
            }
            let bounds = [
                ("defaultValue", "0"),
                ("lowerBound", QTIExport.number(scoring.minimum ?? 0)),
                ("upperBound", QTIExport.number(scoring.maximum ?? score)),
            ]
            self.declareResponse(
                "RESPONSE",
                cardinality: self.question.type == .single ? "single" : "multiple",
                baseType: "identifier",
                correct: key.compactMap(self.choiceIdentifier)
            ) { builder in
                builder.mapping(bounds, entries: entries)
            }
        default:
            let blanks = self.blanks
            for (index, accepted) in blanks.enumerated() {
                let rule = Self.rule(scoring, index)
                let identifier = self.responseIdentifier(blank: index, of: blanks.count)
                if rule.numeric != nil {
                    let values = accepted.compactMap(Self.float)
                    self.declareResponse(identifier, cardinality: "single", baseType: "float", correct: Array(values.prefix(1)))
                } else {
                    let points = self.answerPoints(scoring, index)
                    let caseSensitive = rule.caseSensitive == true ? "true" : "false"
                    self.declareResponse(identifier, cardinality: "single", baseType: "string", correct: Array(accepted.prefix(1))) { builder in
                        builder.mapping(
                            [("defaultValue", "0")],
                            entries: zip(accepted, points).map { ($0, QTIExport.number($1), caseSensitive) }
                        )
                    }
                }
            }
        }
    }

    mutating func scoredResponseProcessing(_ scoring: QuestionScoring) {
        let processing = self.version.element("responseProcessing")
        guard self.question.type == .fill else {
            self.writer.empty(processing, [("template", self.version.template("map_response"))])
            return
        }
        let blanks = self.blanks
        self.writer.open(processing)
        if scoring.allOrNothing == true {
            self.condition { builder in
                builder.writer.open(builder.version.element("and"))
                for index in blanks.indices { builder.blankRight(scoring, index) }
                builder.writer.close()
            } then: { builder in
                builder.setScore(to: QTIExport.number(builder.question.score))
            } otherwise: { builder in
                builder.setScore(to: "0")
            }
        } else {
            self.setScore(to: "0")
            for index in blanks.indices {
                let group = QuestionGrading.group(blanks[index])
                let earlier =
                    scoring.distinctAnswers == true ? blanks.indices.filter { $0 < index && QuestionGrading.group(blanks[$0]) == group } : []
                self.condition { builder in
                    builder.writer.open(builder.version.element("not"))
                    builder.writer.open(builder.version.element("isNull"))
                    builder.variable(builder.responseIdentifier(blank: index, of: blanks.count))
                    builder.writer.close()
                    builder.writer.close()
                } then: { builder in
                    builder.unrepeated(scoring, index, earlier: earlier[...])
                }
            }
        }
        if let maximum = scoring.maximum { self.bound("gt", maximum) }
        if let minimum = scoring.minimum { self.bound("lt", minimum) }
        self.writer.close()
    }

    // MARK: - Pieces

    /// An accepted number as XML Schema's float: as the teacher wrote it when it is one (`4.0` stays `4.0`).
    private static func float(_ accepted: String) -> String? {
        let trimmed = accepted.trimmingCharacters(in: .whitespaces)
        if Double(trimmed) != nil, trimmed.allSatisfy({ "0123456789.-+eE".contains($0) }) { return trimmed }
        return QuestionScoring.number(accepted).map(QTIExport.number)
    }

    private static func rule(_ scoring: QuestionScoring, _ index: Int) -> QuestionScoring.Blank {
        guard let rules = scoring.blanks, index < rules.count else { return QuestionScoring.Blank() }
        return rules[index]
    }

    /// Points of each accepted answer of blank `index`.
    private func answerPoints(_ scoring: QuestionScoring, _ index: Int) -> [Double] {
        let accepted = self.blanks
        let rule = Self.rule(scoring, index)
        if let list = rule.answerPoints { return list }
        let points = QuestionGrading.blankPoints(index, accepted: accepted, rules: scoring.blanks ?? [], score: self.question.score)
        return Array(repeating: points, count: accepted[index].count)
    }

    /// Adds blank `index`'s points unless it repeats a blank of `earlier` (each checked only when answered).
    private mutating func unrepeated(_ scoring: QuestionScoring, _ index: Int, earlier: ArraySlice<Int>) {
        let count = self.blanks.count
        guard let first = earlier.first else {
            self.addPoints(scoring, index)
            return
        }
        let rest = earlier.dropFirst()
        let rule = Self.rule(scoring, index)
        self.writer.open(self.version.element("responseCondition"))
        self.writer.open(self.version.element("responseIf"))
        self.writer.open(self.version.element("isNull"))
        self.variable(self.responseIdentifier(blank: first, of: count))
        self.writer.close()
        self.unrepeated(scoring, index, earlier: rest)
        self.writer.close()
        self.writer.open(self.version.element("responseElseIf"))
        self.writer.open(self.version.element("not"))
        // Numbers repeat when equal, words when the same letters under the blank's case rule.
        if rule.numeric != nil {
            self.writer.open(self.version.element("match"))
        } else {
            self.writer.open(
                self.version.element("stringMatch"),
                [(self.version.attribute("caseSensitive"), rule.caseSensitive == true ? "true" : "false")]
            )
        }
        self.variable(self.responseIdentifier(blank: index, of: count))
        self.variable(self.responseIdentifier(blank: first, of: count))
        self.writer.close()
        self.writer.close()
        self.unrepeated(scoring, index, earlier: rest)
        self.writer.close()
        self.writer.close()
    }

    /// SCORE plus what blank `index`'s answer earns: its mapping, or the points of the first number it matches.
    private mutating func addPoints(_ scoring: QuestionScoring, _ index: Int) {
        let identifier = self.responseIdentifier(blank: index, of: self.blanks.count)
        guard let numeric = Self.rule(scoring, index).numeric else {
            self.addToScore { builder in builder.writer.empty(builder.version.element("mapResponse"), [("identifier", identifier)]) }
            return
        }
        let values = self.blanks[index].compactMap(Self.float)
        let points = self.answerPoints(scoring, index)
        self.writer.open(self.version.element("responseCondition"))
        for (position, (value, earned)) in zip(values, points).enumerated() {
            self.writer.open(self.version.element(position == 0 ? "responseIf" : "responseElseIf"))
            self.numberMatch(identifier, value, numeric)
            self.addToScore { builder in builder.baseValue("float", QTIExport.number(earned)) }
            self.writer.close()
        }
        self.writer.close()
    }

    /// True when blank `index` is right: a text blank's mapping gives it points, a number blank matches one of its numbers.
    private mutating func blankRight(_ scoring: QuestionScoring, _ index: Int) {
        let identifier = self.responseIdentifier(blank: index, of: self.blanks.count)
        if let numeric = Self.rule(scoring, index).numeric {
            self.writer.open(self.version.element("or"))
            for value in self.blanks[index].compactMap(Self.float) { self.numberMatch(identifier, value, numeric) }
            self.writer.close()
        } else {
            self.writer.open(self.version.element("gt"))
            self.writer.empty(self.version.element("mapResponse"), [("identifier", identifier)])
            self.baseValue("float", "0")
            self.writer.close()
        }
    }

    /// `equal` within the tolerance (both kinds: either may hold), or `equalRounded`.
    private mutating func numberMatch(_ identifier: String, _ value: String, _ numeric: QuestionScoring.Numeric) {
        var tests: [(String, [(String, String?)])] = []
        if let figures = numeric.significantFigures {
            tests.append(("equalRounded", [("roundingMode", "significantFigures"), ("figures", String(figures))]))
        } else if let places = numeric.decimalPlaces {
            tests.append(("equalRounded", [("roundingMode", "decimalPlaces"), ("figures", String(places))]))
        } else {
            if let tolerance = numeric.tolerance {
                tests.append(("equal", [("toleranceMode", "absolute"), ("tolerance", QTIExport.number(tolerance))]))
            }
            if let percent = numeric.relativeTolerance {
                tests.append(("equal", [("toleranceMode", "relative"), ("tolerance", QTIExport.number(percent))]))
            }
            if tests.isEmpty { tests.append(("equal", [("toleranceMode", "exact")])) }
        }
        if tests.count > 1 { self.writer.open(self.version.element("or")) }
        for (name, attributes) in tests {
            self.writer.open(self.version.element(name), attributes.map { (self.version.attribute($0.0), $0.1) })
            self.variable(identifier)
            self.baseValue("float", value)
            self.writer.close()
        }
        if tests.count > 1 { self.writer.close() }
    }

    /// SCORE set to `value` when it is beyond it (`gt` above a maximum, `lt` below a minimum).
    private mutating func bound(_ comparison: String, _ value: Double) {
        self.condition { builder in
            builder.writer.open(builder.version.element(comparison))
            builder.variable("SCORE")
            builder.baseValue("float", QTIExport.number(value))
            builder.writer.close()
        } then: { builder in
            builder.setScore(to: QTIExport.number(value))
        }
    }

    private mutating func condition(
        _ test: (inout Self) -> Void,
        then: (inout Self) -> Void,
        otherwise: ((inout Self) -> Void)? = nil
    ) {
        self.writer.open(self.version.element("responseCondition"))
        self.writer.open(self.version.element("responseIf"))
        test(&self)
        then(&self)
        self.writer.close()
        if let otherwise {
            self.writer.open(self.version.element("responseElse"))
            otherwise(&self)
            self.writer.close()
        }
        self.writer.close()
    }

    private mutating func addToScore(_ value: (inout Self) -> Void) {
        self.writer.open(self.version.element("setOutcomeValue"), [("identifier", "SCORE")])
        self.writer.open(self.version.element("sum"))
        self.variable("SCORE")
        value(&self)
        self.writer.close()
        self.writer.close()
    }

    private mutating func variable(_ identifier: String) {
        self.writer.empty(self.version.element("variable"), [("identifier", identifier)])
    }

    private mutating func baseValue(_ type: String, _ value: String) {
        self.writer.leaf(self.version.element("baseValue"), [(self.version.attribute("baseType"), type)], value)
    }
}
