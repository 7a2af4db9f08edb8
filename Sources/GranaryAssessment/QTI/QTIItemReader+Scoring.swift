import Foundation
import GranaryModel

/// An imported item's scoring: the bank's rule read from the item's response processing, then proved on telling
/// answers. Whatever the rule, every probe must score the same both ways (after scaling the item's full marks to a
/// bank score), or the item is refused with the first answer that differs.
extension QTIItemReader {
    /// How the bank's answer to an imported question stands for the item's responses.
    enum Binding {
        /// A choice interaction: the response and each option's source identifier.
        case choice(response: String, options: [(source: String, option: String)])
        /// A choice of true and false: the response and the identifiers meaning true and false.
        case judge(response: String, truth: String, falsehood: String)
        /// Blanks in order: a text entry's response, or an inline choice's response with its choices' identifiers
        /// by text.
        case blanks([Blank])
    }

    /// One blank's response.
    struct Blank {
        var response: String
        /// Inline choice: text → identifier; nil for a text entry.
        var choices: [String: String]?
    }

    /// Most probes of the subsets of a multiple choice (all of them up to this many options).
    static let exhaustiveOptions = 6

    /// Reads the rule of `imported` from `processing` and proves it; sets the question's score and scoring.
    static func prove(_ imported: inout Imported, processing: QTIResponseProcessing, binding: Binding) throws(XMLTree.Failure) {
        guard processing.present else {
            imported.warnings.append("the item has no response processing; the bank scores it against its correct response")
            return
        }
        let ideal = Self.ideal(imported)
        let full = try processing.score(Self.responses(ideal, imported, binding))
        guard full > 0 else {
            throw XMLTree.Failure(reason: "the item's correct response earns \(QTIExport.number(full)) points under its own response processing")
        }
        // The declared maximum is the item's full marks when it has one; the processing's points scale to it.
        let score = Self.scoreStep(imported.declaredMaximum ?? full)
        if let declared = imported.declaredMaximum, abs(declared - full) > 1e-9 {
            imported.warnings.append(
                "a right answer earns \(QTIExport.number(full)) under the item's processing and its maximum is \(QTIExport.number(declared)): points scaled to \(QTIExport.number(score))"
            )
        }
        let factor = score / full
        imported.score = score
        imported.scoring = try Self.derive(imported, processing: processing, binding: binding, factor: factor)
        if imported.type == .fill, imported.scoring?.blanks != nil || imported.scoring?.allOrNothing == true, Self.hasGroups(imported) {
            // Which reading of a repeated answer the item means is settled by the repeat itself.
            let repeated = Self.repeatProbe(imported)
            let source = try processing.score(Self.responses(repeated, imported, binding)) * factor
            var distinct = imported.scoring ?? QuestionScoring()
            distinct.distinctAnswers = true
            if Self.agrees(source, Self.bank(repeated, imported, scoring: distinct)) { imported.scoring = distinct }
        }
        for probe in Self.probes(imported, binding: binding) {
            let source = try processing.score(Self.responses(probe, imported, binding)) * factor
            let bank = Self.bank(probe, imported, scoring: imported.scoring)
            guard Self.agrees(source, bank) else {
                throw XMLTree.Failure(
                    reason: "the bank cannot score this item as its response processing does: for the answer \(Self.describe(probe)) "
                        + "the item gives \(QTIExport.number((source * 100).rounded() / 100)) of \(QTIExport.number(score)), "
                        + "the bank would give \(QTIExport.number(bank))"
                )
            }
        }
        if let scoring = imported.scoring, scoring == QuestionScoring(blanks: scoring.blanks?.map { _ in QuestionScoring.Blank() }) {
            imported.scoring = nil
        }
    }

    // MARK: - The rule

    private static func derive(
        _ imported: Imported,
        processing: QTIResponseProcessing,
        binding: Binding,
        factor: Double
    ) throws(XMLTree.Failure)
        -> QuestionScoring?
    {
        switch binding {
        case .judge:
            return nil
        case .choice(let response, let options):
            // Options earn points of their own only through a mapping; otherwise the item is all or nothing.
            guard processing.uses({ if case .mapResponse(response) = $0 { true } else { false } }),
                var unbounded = processing.declarations[response]?.mapping
            else { return nil }
            // Each option's own entry (or the default), before the bounds that apply to the sum.
            unbounded.lowerBound = nil
            unbounded.upperBound = nil
            var points: [String: Double] = [:]
            for (source, option) in options {
                points[option] = QTIResponseProcessing.map(.single(.text(source)), unbounded) * factor
            }
            let key = Self.ideal(imported)
            if imported.type == .single, points.allSatisfy({ $0.key == Self.chosen(key).first ? true : $0.value == 0 }) { return nil }
            let mapping = processing.declarations[response]?.mapping
            let negative = points.values.filter { $0 < 0 }.reduce(0, +)
            // The bank's floor is 0 unless the rule says otherwise.
            let minimum = mapping?.lowerBound.map { $0 * factor } ?? (negative < 0 ? negative : 0)
            return QuestionScoring(
                optionPoints: points.filter { $0.value != 0 },
                minimum: minimum == 0 ? nil : minimum,
                maximum: mapping?.upperBound.map { min($0 * factor, imported.score) }.flatMap { $0 < imported.score ? $0 : nil }
            )
        case .blanks(let blanks):
            let accepted = QuestionGrading.blanks(imported.answer)
            var rules: [QuestionScoring.Blank] = []
            var total = 0.0
            for (index, blank) in blanks.enumerated() {
                var rule = QuestionScoring.Blank()
                if let declaration = processing.declarations[blank.response], ["float", "integer"].contains(declaration.baseType) {
                    rule.numeric = Self.numeric(processing, response: blank.response)
                } else if blank.choices == nil {
                    rule.caseSensitive = Self.caseSensitive(processing, response: blank.response) ? true : nil
                }
                var points: [Double] = []
                for word in accepted[index] {
                    var answer = Array(repeating: "", count: blanks.count)
                    answer[index] = word
                    points.append(try processing.score(Self.responses(.blanks(answer), imported, binding)) * factor)
                }
                total += points.max() ?? 0
                if points.allSatisfy({ abs($0 - (points.first ?? 0)) < 1e-9 }) {
                    rule.points = points.first
                } else {
                    rule.answerPoints = points
                }
                rules.append(rule)
            }
            if rules.allSatisfy({ ($0.points ?? 1) == 0 && $0.answerPoints == nil }) {
                // No blank earns anything alone: the item scores only a whole right answer.
                return QuestionScoring(
                    blanks: rules.map { QuestionScoring.Blank(caseSensitive: $0.caseSensitive, numeric: $0.numeric) },
                    allOrNothing: true
                )
            }
            if rules.contains(where: { $0.answerPoints?.contains(where: { $0 <= 0 }) ?? false }) {
                throw XMLTree.Failure(reason: "an accepted answer of a blank earns nothing alone; the blanks are not scored one by one")
            }
            let even = imported.score / Double(max(rules.count, 1))
            if abs(total - imported.score) < 0.005, rules.allSatisfy({ $0.answerPoints == nil && abs(($0.points ?? 0) - even) < 1e-9 }) {
                rules = rules.map { QuestionScoring.Blank(caseSensitive: $0.caseSensitive, numeric: $0.numeric) }
            }
            return QuestionScoring(blanks: rules, maximum: total > imported.score + 0.005 ? imported.score : nil)
        }
    }

    /// The tolerance or rounding the processing compares `response` with; exact when it names none.
    private static func numeric(_ processing: QTIResponseProcessing, response: String) -> QuestionScoring.Numeric {
        var rule = QuestionScoring.Numeric()
        _ = processing.uses { expression in
            switch expression {
            case .equal(let a, let b, let absolute, let tolerance, _, _) where Self.names(response, a, b) && !tolerance.isEmpty:
                if absolute { rule.tolerance = tolerance.max() } else { rule.relativeTolerance = tolerance.max() }
            case .equalRounded(let a, let b, let significant, let figures) where Self.names(response, a, b):
                if significant { rule.significantFigures = figures } else { rule.decimalPlaces = figures }
            default: break
            }
            return false
        }
        return rule
    }

    /// Whether the processing compares `response`'s letters case-sensitively: a `stringMatch` says; a mapping says by
    /// its entries; a plain `match` is exact.
    private static func caseSensitive(_ processing: QTIResponseProcessing, response: String) -> Bool {
        var stated: Bool?
        _ = processing.uses { expression in
            if case .stringMatch(let a, let b, let caseSensitive, _) = expression, Self.names(response, a, b) { stated = caseSensitive }
            return false
        }
        if let stated { return stated }
        if let mapping = processing.declarations[response]?.mapping,
            processing.uses({ if case .mapResponse(response) = $0 { true } else { false } })
        {
            return mapping.entries.contains { $0.caseSensitive }
        }
        return true
    }

    private static func names(_ response: String, _ expressions: QTIResponseProcessing.Expression...) -> Bool {
        expressions.contains { if case .variable(response) = $0 { true } else { false } }
    }

    // MARK: - Probes

    /// An answer as the bank holds it.
    enum Probe {
        case choice([String])
        case truth(Bool?)
        case blanks([String])
    }

    private static func ideal(_ imported: Imported) -> Probe {
        switch (imported.type, imported.answer) {
        case (.judge, .bool(let truth)): return .truth(truth)
        case (.single, .string(let id)): return .choice([id])
        case (.multiple, .array(let ids)): return .choice(ids.compactMap { if case .string(let id) = $0 { id } else { nil } })
        default:
            // Blanks accepting the same answers get different ones, as a learner who knows them would write.
            let accepted = QuestionGrading.blanks(imported.answer)
            var given: [[String]: [String]] = [:]
            return .blanks(
                accepted.map { list in
                    let group = QuestionGrading.group(list)
                    let word = list.first { !given[group, default: []].contains($0) } ?? list.first ?? ""
                    given[group, default: []].append(word)
                    return word
                }
            )
        }
    }

    private static func hasGroups(_ imported: Imported) -> Bool {
        let accepted = QuestionGrading.blanks(imported.answer).map(QuestionGrading.group)
        return Set(accepted).count < accepted.count
    }

    /// The first blank's first answer in every blank of its group.
    private static func repeatProbe(_ imported: Imported) -> Probe {
        let accepted = QuestionGrading.blanks(imported.answer)
        guard case .blanks(var answer) = Self.ideal(imported) else { return .blanks([]) }
        let groups = accepted.map(QuestionGrading.group)
        for (index, group) in groups.enumerated() where groups.filter({ $0 == group }).count > 1 { answer[index] = group.first ?? "" }
        return .blanks(answer)
    }

    private static func probes(_ imported: Imported, binding: Binding) -> [Probe] {
        var probes: [Probe] = [Self.ideal(imported)]
        switch binding {
        case .judge:
            probes += [.truth(true), .truth(false), .truth(nil)]
        case .choice(_, let options):
            let ids = options.map(\.option)
            probes.append(.choice([]))
            probes += ids.map { .choice([$0]) }
            if imported.type == .multiple {
                if ids.count <= Self.exhaustiveOptions {
                    for mask in 0..<(1 << ids.count) { probes.append(.choice(ids.indices.filter { mask & (1 << $0) != 0 }.map { ids[$0] })) }
                } else {
                    let key = Self.chosen(Self.ideal(imported))
                    probes += ids.filter { !key.contains($0) }.map { .choice(key + [$0]) }
                    probes += key.map { left in .choice(key.filter { $0 != left }) }
                    probes.append(.choice(ids))
                }
            }
        case .blanks(let blanks):
            let accepted = QuestionGrading.blanks(imported.answer)
            guard case .blanks(let ideal) = Self.ideal(imported) else { break }
            let count = blanks.count
            probes.append(.blanks(Array(repeating: "", count: count)))
            probes.append(Self.repeatProbe(imported))
            if count <= 4 {
                for mask in 0..<(1 << count) { probes.append(.blanks(ideal.indices.map { mask & (1 << $0) != 0 ? ideal[$0] : "" })) }
            }
            for (index, blank) in blanks.enumerated() {
                func alone(_ word: String) -> Probe {
                    var answer = ideal
                    answer[index] = word
                    return .blanks(answer)
                }
                var words = Array(accepted[index].prefix(8))
                if let choices = blank.choices {
                    words += choices.keys.sorted()
                } else if let rule = imported.scoring?.blanks?[index].numeric ?? nil,
                    let value = accepted[index].first.flatMap(QuestionScoring.number)
                {
                    words += Self.nearby(value, rule).map(QTIExport.number)
                } else if let first = accepted[index].first {
                    words += [first.uppercased(), first.lowercased(), first.capitalized, "zzz"]
                }
                probes += words.map(alone)
            }
        }
        return probes
    }

    /// Numbers either side of `value`'s margin under `rule`, and a few plainly wrong.
    private static func nearby(_ value: Double, _ rule: QuestionScoring.Numeric) -> [Double] {
        var margin = max(abs(value) * 1e-3, 1e-3)
        if let tolerance = rule.tolerance { margin = tolerance }
        if let percent = rule.relativeTolerance { margin = abs(value) * percent / 100 }
        if let places = rule.decimalPlaces { margin = Foundation.pow(10, Double(-places)) / 2 }
        if let figures = rule.significantFigures, value != 0 {
            margin = Foundation.pow(10, Foundation.floor(Foundation.log10(abs(value))) - Double(figures) + 1) / 2
        }
        return [0.5, 0.9, 1.1, 2, 10].flatMap { [value + margin * $0, value - margin * $0] } + [value + 1, -value, 0]
    }

    private static func chosen(_ probe: Probe) -> [String] {
        if case .choice(let ids) = probe { return ids }
        return []
    }

    /// The item's responses for the bank's answer `probe`.
    private static func responses(_ probe: Probe, _ imported: Imported, _ binding: Binding) -> [String: QTIResponseProcessing.Value] {
        switch (binding, probe) {
        case (.choice(let response, let options), .choice(let ids)):
            let sources = ids.compactMap { id in options.first { $0.option == id }?.source }
            return [response: Self.choiceValue(sources, imported.type)]
        case (.judge(let response, let truth, let falsehood), .truth(let value)):
            return [response: value.map { .single(.text($0 ? truth : falsehood)) } ?? .null]
        case (.blanks(let blanks), .blanks(let words)):
            var responses: [String: QTIResponseProcessing.Value] = [:]
            for (blank, word) in zip(blanks, words) where !word.isEmpty {
                if let choices = blank.choices {
                    responses[blank.response] = choices[word].map { .single(.text($0)) } ?? .null
                } else if imported.numericResponses.contains(blank.response), let number = QuestionScoring.number(word) {
                    responses[blank.response] = .single(.number(number))
                } else {
                    responses[blank.response] = .single(.text(word))
                }
            }
            return responses
        default:
            return [:]
        }
    }

    private static func choiceValue(_ sources: [String], _ type: QuestionType) -> QTIResponseProcessing.Value {
        if sources.isEmpty { return .null }
        return type == .multiple ? .container(sources.map { .text($0) }, ordered: false) : .single(.text(sources[0]))
    }

    /// What the bank gives `probe`.
    private static func bank(_ probe: Probe, _ imported: Imported, scoring: QuestionScoring?) -> Double {
        let answer: JSONValue? =
            switch probe {
            case .choice(let ids) where imported.type == .single: ids.first.map(JSONValue.string)
            case .choice(let ids): .array(ids.map(JSONValue.string))
            case .truth(let value): value.map(JSONValue.bool)
            case .blanks(let words): .array(words.map(JSONValue.string))
            }
        return QuestionGrading.grade(answer, key: imported.answer, type: imported.type, score: imported.score, scoring: scoring)?.score ?? 0
    }

    private static func agrees(_ source: Double, _ bank: Double) -> Bool {
        abs(source - bank) <= 0.011
    }

    private static func describe(_ probe: Probe) -> String {
        switch probe {
        case .choice(let ids): ids.isEmpty ? "(nothing chosen)" : ids.joined(separator: ", ")
        case .truth(let value): value.map { $0 ? "true" : "false" } ?? "(no answer)"
        case .blanks(let words): words.map { $0.isEmpty ? "（空）" : "“\($0)”" }.joined(separator: " ")
        }
    }
}

extension QTIResponseProcessing {
    /// Whether any expression of the rules satisfies `test` (which may also just look at each one).
    func uses(_ test: (Expression) -> Bool) -> Bool {
        func visit(_ expression: Expression) -> Bool {
            if test(expression) { return true }
            switch expression {
            case .value, .variable, .correct, .mapResponse: return false
            case .isNull(let a), .not(let a), .containerSize(let a): return visit(a)
            case .and(let list), .or(let list), .container(let list, _), .sum(let list), .product(let list): return list.contains(where: visit)
            case .match(let a, let b), .stringMatch(let a, let b, _, _), .equal(let a, let b, _, _, _, _), .equalRounded(let a, let b, _, _),
                .member(let a, let b), .contains(let a, let b), .subtract(let a, let b), .divide(let a, let b), .compare(let a, let b, _):
                return visit(a) || visit(b)
            }
        }
        func walk(_ rules: [Rule]) -> Bool {
            rules.contains { rule in
                switch rule {
                case .exit: false
                case .set(_, let expression): visit(expression)
                case .condition(let branches): branches.contains { ($0.test.map(visit) ?? false) || walk($0.rules) }
                }
            }
        }
        return walk(self.rules)
    }
}
