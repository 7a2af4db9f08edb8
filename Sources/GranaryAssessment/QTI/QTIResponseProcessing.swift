import Foundation
import GranaryModel

/// An item's response processing (QTI 2.1, 2.2, 3.0), read into rules and run on candidate responses.
///
/// The importer turns an item's scoring into the bank's own rule (`QuestionScoring`) and then proves it: it scores a
/// set of telling responses both ways, and refuses the item when any differs. The standard templates are read by their
/// URI (`match_correct`, `map_response`, and Common Cartridge's `cc2_match`, `cc2_match_basic`, `cc2_map_response`);
/// custom processing may use conditions, `setOutcomeValue`, `exitResponse` and the expressions that score answers:
/// `match`, `equal` with a tolerance, `equalRounded`, `stringMatch`, `member`, `contains`, `isNull`, `and`, `or`, `not`,
/// `sum`, `product`, `subtract`, `divide`, comparisons, `mapResponse`, `correct`, `variable` and `baseValue`. Anything
/// else is named in the refusal.
struct QTIResponseProcessing {
    /// A value of a response or outcome variable; identifiers and strings are text.
    enum Value: Equatable {
        case null
        case single(Base)
        case container([Base], ordered: Bool)

        var bases: [Base] {
            switch self {
            case .null: []
            case .single(let base): [base]
            case .container(let list, _): list
            }
        }
    }

    /// One value of a base type.
    enum Base: Hashable {
        case text(String)
        case number(Double)
        case bool(Bool)
    }

    /// A response's declaration: what scoring reads of it.
    struct Declaration {
        var cardinality: String
        var baseType: String
        var correct: [Base]
        var mapping: Mapping?
    }

    /// A response's mapping (`mapResponse`).
    struct Mapping {
        var entries: [(key: Base, value: Double, caseSensitive: Bool)]
        var defaultValue: Double
        var lowerBound: Double?
        var upperBound: Double?
    }

    indirect enum Expression {
        case value(Value)
        case variable(String)
        case correct(String)
        case mapResponse(String)
        case isNull(Expression)
        case not(Expression)
        case and([Expression])
        case or([Expression])
        case match(Expression, Expression)
        case stringMatch(Expression, Expression, caseSensitive: Bool, substring: Bool)
        case equal(Expression, Expression, absolute: Bool, tolerance: [Double], includeLower: Bool, includeUpper: Bool)
        case equalRounded(Expression, Expression, significantFigures: Bool, figures: Int)
        case member(Expression, Expression)
        case contains(Expression, Expression)
        case containerSize(Expression)
        case container([Expression], ordered: Bool)
        case sum([Expression])
        case product([Expression])
        case subtract(Expression, Expression)
        case divide(Expression, Expression)
        case compare(Expression, Expression, String)
    }

    indirect enum Rule {
        /// `responseIf`, `responseElseIf`… and a final `responseElse` (condition nil).
        case condition([(test: Expression?, rules: [Rule])])
        case set(String, Expression)
        case exit
    }

    let declarations: [String: Declaration]
    let rules: [Rule]
    /// Outcome variables and their starting values.
    let outcomes: [String: Value]
    /// Whether the item has any response processing at all.
    let present: Bool

    /// Reads `item`'s declarations and response processing; a construct it cannot run is a failure naming it.
    init(item: XMLTree) throws(XMLTree.Failure) {
        var declarations: [String: Declaration] = [:]
        for element in item.elements("responseDeclaration") {
            guard let identifier = element.attributes["identifier"] else { continue }
            let baseType = element.attributes["baseType"] ?? "identifier"
            let correct = try (element.element("correctResponse")?.elements("value") ?? []).map { value throws(XMLTree.Failure) in
                try Self.base(XMLTree.collapse(value.text), type: value.attributes["baseType"] ?? baseType)
            }
            var mapping: Mapping?
            if let map = element.element("mapping") {
                var entries: [(key: Base, value: Double, caseSensitive: Bool)] = []
                for entry in map.elements("mapEntry") {
                    guard let key = entry.attributes["mapKey"], let value = Double(entry.attributes["mappedValue"] ?? "") else {
                        throw XMLTree.Failure(reason: "a mapEntry of \(identifier) has no key or no number")
                    }
                    // QTI's default is case-sensitive.
                    entries.append((try Self.base(key, type: baseType), value, entry.attributes["caseSensitive"] != "false"))
                }
                mapping = Mapping(
                    entries: entries,
                    defaultValue: Double(map.attributes["defaultValue"] ?? "0") ?? 0,
                    lowerBound: map.attributes["lowerBound"].flatMap(Double.init),
                    upperBound: map.attributes["upperBound"].flatMap(Double.init)
                )
            }
            if element.element("areaMapping") != nil {
                throw XMLTree.Failure(reason: "\(identifier) is scored by areas of an image (areaMapping)")
            }
            declarations[identifier] = Declaration(
                cardinality: element.attributes["cardinality"] ?? "single",
                baseType: baseType,
                correct: correct,
                mapping: mapping
            )
        }
        self.declarations = declarations
        var outcomes: [String: Value] = [:]
        for element in item.elements("outcomeDeclaration") {
            guard let identifier = element.attributes["identifier"] else { continue }
            let baseType = element.attributes["baseType"] ?? "float"
            if let value = element.element("defaultValue")?.element("value") {
                outcomes[identifier] = .single(try Self.base(XMLTree.collapse(value.text), type: baseType))
            } else {
                outcomes[identifier] = ["float", "integer"].contains(baseType) ? .single(.number(0)) : .null
            }
        }
        if outcomes["SCORE"] == nil { outcomes["SCORE"] = .single(.number(0)) }
        self.outcomes = outcomes
        guard let processing = item.element("responseProcessing") else {
            self.rules = []
            self.present = false
            return
        }
        self.present = true
        if let template = processing.attributes["template"] ?? processing.attributes["templateLocation"], processing.children.isEmpty {
            self.rules = try Self.template(template)
        } else {
            self.rules = try Self.rules(processing.elements())
        }
    }

    /// The `SCORE` outcome after processing `responses` (absent ones are null).
    func score(_ responses: [String: Value]) throws(XMLTree.Failure) -> Double {
        var state = self.outcomes
        _ = try self.run(self.rules, responses: responses, outcomes: &state)
        guard case .single(.number(let score)) = state["SCORE"] ?? .null else { return 0 }
        return score
    }

    // MARK: - Running

    /// Runs `rules`; false when one of them ended processing.
    private func run(_ rules: [Rule], responses: [String: Value], outcomes: inout [String: Value]) throws(XMLTree.Failure) -> Bool {
        for rule in rules {
            switch rule {
            case .exit:
                return false
            case .set(let identifier, let expression):
                outcomes[identifier] = try self.evaluate(expression, responses, outcomes)
            case .condition(let branches):
                for branch in branches {
                    let taken: Bool
                    if let test = branch.test {
                        taken = try self.evaluate(test, responses, outcomes) == .single(.bool(true))
                    } else {
                        taken = true
                    }
                    if taken {
                        if try !self.run(branch.rules, responses: responses, outcomes: &outcomes) { return false }
                        break
                    }
                }
            }
        }
        return true
    }

    private func evaluate(_ expression: Expression, _ responses: [String: Value], _ outcomes: [String: Value]) throws(XMLTree.Failure) -> Value {
        func number(_ value: Value) -> Double? {
            if case .single(.number(let number)) = value { return number }
            return nil
        }
        func truth(_ value: Value) -> Bool? {
            if case .single(.bool(let truth)) = value { return truth }
            return nil
        }
        func numbers(_ list: [Expression]) throws(XMLTree.Failure) -> [Double]? {
            var values: [Double] = []
            for item in list {
                guard let value = number(try self.evaluate(item, responses, outcomes)) else { return nil }
                values.append(value)
            }
            return values
        }
        func pair(_ a: Expression, _ b: Expression) throws(XMLTree.Failure) -> (Value, Value) {
            (try self.evaluate(a, responses, outcomes), try self.evaluate(b, responses, outcomes))
        }
        switch expression {
        case .value(let value):
            return value
        case .variable(let identifier):
            return responses[identifier] ?? outcomes[identifier] ?? .null
        case .correct(let identifier):
            guard let declaration = self.declarations[identifier], !declaration.correct.isEmpty else { return .null }
            return declaration.cardinality == "single"
                ? .single(declaration.correct[0]) : .container(declaration.correct, ordered: declaration.cardinality == "ordered")
        case .mapResponse(let identifier):
            guard let mapping = self.declarations[identifier]?.mapping else {
                throw XMLTree.Failure(reason: "mapResponse names \(identifier), which has no mapping")
            }
            return .single(.number(Self.map(responses[identifier] ?? .null, mapping)))
        case .isNull(let inner):
            let value = try self.evaluate(inner, responses, outcomes)
            if case .single(.text(let text)) = value { return .single(.bool(text.isEmpty)) }
            return .single(.bool(value.bases.isEmpty))
        case .not(let inner):
            return truth(try self.evaluate(inner, responses, outcomes)).map { .single(.bool(!$0)) } ?? .null
        case .and(let list):
            var all = true
            for item in list {
                guard let value = truth(try self.evaluate(item, responses, outcomes)) else { return .null }
                all = all && value
            }
            return .single(.bool(all))
        case .or(let list):
            var any = false
            for item in list {
                guard let value = truth(try self.evaluate(item, responses, outcomes)) else { return .null }
                any = any || value
            }
            return .single(.bool(any))
        case .match(let a, let b):
            let (left, right) = try pair(a, b)
            guard left != .null, right != .null else { return .null }
            switch (left, right) {
            case (.container(let x, false), .container(let y, false)):
                return .single(.bool(x.count == y.count && Self.counted(x) == Self.counted(y)))
            default:
                return .single(.bool(left == right))
            }
        case .stringMatch(let a, let b, let caseSensitive, let substring):
            let (left, right) = try pair(a, b)
            guard case .single(.text(var x)) = left, case .single(.text(var y)) = right else { return .null }
            if !caseSensitive {
                x = x.lowercased()
                y = y.lowercased()
            }
            return .single(.bool(substring ? x.contains(y) : x == y))
        case .equal(let a, let b, let absolute, let tolerance, let includeLower, let includeUpper):
            let (left, right) = try pair(a, b)
            guard let x = number(left), let y = number(right) else { return .null }
            guard !tolerance.isEmpty else { return .single(.bool(x == y)) }
            let t0 = tolerance[0]
            let t1 = tolerance.count > 1 ? tolerance[1] : t0
            let low = absolute ? x - t0 : x * (1 - t0 / 100)
            let high = absolute ? x + t1 : x * (1 + t1 / 100)
            let aboveLow = includeLower ? y >= low : y > low
            let belowHigh = includeUpper ? y <= high : y < high
            return .single(.bool(aboveLow && belowHigh))
        case .equalRounded(let a, let b, let significantFigures, let figures):
            let (left, right) = try pair(a, b)
            guard let x = number(left), let y = number(right) else { return .null }
            func round(_ value: Double) -> Double {
                significantFigures
                    ? QuestionScoring.Numeric.round(value, significantFigures: figures)
                    : QuestionScoring.Numeric.round(value, decimalPlaces: figures)
            }
            return .single(.bool(round(x) == round(y)))
        case .member(let a, let b):
            let (left, right) = try pair(a, b)
            guard case .single(let base) = left, right != .null else { return .null }
            return .single(.bool(right.bases.contains(base)))
        case .contains(let a, let b):
            let (left, right) = try pair(a, b)
            guard left != .null, right != .null else { return .null }
            let have = Self.counted(left.bases)
            return .single(.bool(Self.counted(right.bases).allSatisfy { have[$0.key, default: 0] >= $0.value }))
        case .containerSize(let inner):
            return .single(.number(Double(try self.evaluate(inner, responses, outcomes).bases.count)))
        case .container(let list, let ordered):
            var bases: [Base] = []
            for item in list { bases += try self.evaluate(item, responses, outcomes).bases }
            return bases.isEmpty ? .null : .container(bases, ordered: ordered)
        case .sum(let list):
            return try numbers(list).map { .single(.number($0.reduce(0, +))) } ?? .null
        case .product(let list):
            return try numbers(list).map { .single(.number($0.reduce(1, *))) } ?? .null
        case .subtract(let a, let b):
            return try numbers([a, b]).map { .single(.number($0[0] - $0[1])) } ?? .null
        case .divide(let a, let b):
            guard let values = try numbers([a, b]), values[1] != 0 else { return .null }
            return .single(.number(values[0] / values[1]))
        case .compare(let a, let b, let operation):
            guard let values = try numbers([a, b]) else { return .null }
            let (x, y) = (values[0], values[1])
            let result =
                switch operation {
                case "gt": x > y
                case "gte": x >= y
                case "lt": x < y
                default: x <= y
                }
            return .single(.bool(result))
        }
    }

    /// QTI's mapResponse: each distinct value's mapped value (the default for one not listed), summed and bounded.
    static func map(_ value: Value, _ mapping: Mapping) -> Double {
        var seen = Set<Base>()
        var total = 0.0
        for base in value.bases where seen.insert(base).inserted {
            let entry = mapping.entries.first { entry in
                switch (entry.key, base) {
                case (.text(let key), .text(let given)): entry.caseSensitive ? key == given : key.lowercased() == given.lowercased()
                default: entry.key == base
                }
            }
            total += entry?.value ?? mapping.defaultValue
        }
        if let lower = mapping.lowerBound { total = max(lower, total) }
        if let upper = mapping.upperBound { total = min(upper, total) }
        return total
    }

    private static func counted(_ bases: [Base]) -> [Base: Int] {
        bases.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    // MARK: - Reading

    static func base(_ text: String, type: String) throws(XMLTree.Failure) -> Base {
        switch type {
        case "float", "integer":
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else { throw XMLTree.Failure(reason: "\(text) is not a \(type)") }
            return .number(value)
        case "boolean":
            return .bool(text.trimmingCharacters(in: .whitespaces) == "true" || text.trimmingCharacters(in: .whitespaces) == "1")
        case "identifier", "string", "pair", "directedPair", "uri":
            return .text(text)
        default:
            throw XMLTree.Failure(reason: "responses of base type \(type) cannot be scored by the bank")
        }
    }

    /// The rules a standard template stands for.
    private static func template(_ uri: String) throws(XMLTree.Failure) -> [Rule] {
        let name = uri.split(separator: "/").last.map { String($0).replacingOccurrences(of: ".xml", with: "") } ?? uri
        let isNull = Expression.isNull(.variable("RESPONSE"))
        switch name {
        case "match_correct", "cc2_match", "cc2_match_basic":
            return [
                .condition([
                    (.match(.variable("RESPONSE"), .correct("RESPONSE")), [.set("SCORE", .value(.single(.number(1))))]),
                    (nil, [.set("SCORE", .value(.single(.number(0))))]),
                ])
            ]
        case "map_response", "cc2_map_response":
            return [
                .condition([
                    (isNull, [.set("SCORE", .value(.single(.number(0))))]),
                    (nil, [.set("SCORE", .mapResponse("RESPONSE"))]),
                ])
            ]
        case "map_response_point":
            throw XMLTree.Failure(reason: "the map_response_point template scores points on an image")
        default:
            throw XMLTree.Failure(reason: "response processing template \(uri) is not one the bank knows")
        }
    }

    private static func rules(_ elements: [XMLTree]) throws(XMLTree.Failure) -> [Rule] {
        var rules: [Rule] = []
        for element in elements {
            switch element.name {
            case "responseCondition":
                var branches: [(test: Expression?, rules: [Rule])] = []
                for branch in element.elements() {
                    let parts = branch.elements()
                    switch branch.name {
                    case "responseIf", "responseElseIf":
                        guard let test = parts.first else { throw XMLTree.Failure(reason: "\(branch.name) has no condition") }
                        branches.append((try Self.expression(test), try Self.rules(Array(parts.dropFirst()))))
                    case "responseElse":
                        branches.append((nil, try Self.rules(parts)))
                    default:
                        throw XMLTree.Failure(reason: "\(branch.name) inside responseCondition")
                    }
                }
                rules.append(.condition(branches))
            case "setOutcomeValue":
                guard let identifier = element.attributes["identifier"], let value = element.elements().first else {
                    throw XMLTree.Failure(reason: "setOutcomeValue without an identifier or a value")
                }
                rules.append(.set(identifier, try Self.expression(value)))
            case "exitResponse":
                rules.append(.exit)
            case "responseProcessingFragment":
                rules += try Self.rules(element.elements())
            default:
                throw XMLTree.Failure(reason: "response processing uses \(element.name), which the bank cannot score")
            }
        }
        return rules
    }

    private static func expression(_ element: XMLTree) throws(XMLTree.Failure) -> Expression {
        let parts = try element.elements().map { part throws(XMLTree.Failure) in try Self.expression(part) }
        func two() throws(XMLTree.Failure) -> (Expression, Expression) {
            guard parts.count == 2 else { throw XMLTree.Failure(reason: "\(element.name) takes two expressions") }
            return (parts[0], parts[1])
        }
        let identifier = element.attributes["identifier"] ?? ""
        switch element.name {
        case "baseValue":
            return .value(.single(try Self.base(XMLTree.collapse(element.text), type: element.attributes["baseType"] ?? "string")))
        case "null": return .value(.null)
        case "variable": return .variable(identifier)
        case "correct": return .correct(identifier)
        case "mapResponse": return .mapResponse(identifier)
        case "isNull": return .isNull(try one(parts, element))
        case "not": return .not(try one(parts, element))
        case "and": return .and(parts)
        case "or": return .or(parts)
        case "match":
            let (a, b) = try two()
            return .match(a, b)
        case "stringMatch":
            let (a, b) = try two()
            return .stringMatch(
                a,
                b,
                caseSensitive: element.attributes["caseSensitive"] != "false",
                substring: element.attributes["substring"] == "true"
            )
        case "equal":
            let (a, b) = try two()
            let mode = element.attributes["toleranceMode"] ?? "exact"
            let tolerance = mode == "exact" ? [] : (element.attributes["tolerance"] ?? "0").split(separator: " ").compactMap { Double($0) }
            return .equal(
                a,
                b,
                absolute: mode != "relative",
                tolerance: tolerance,
                includeLower: element.attributes["includeLowerBound"] != "false",
                includeUpper: element.attributes["includeUpperBound"] != "false"
            )
        case "equalRounded":
            let (a, b) = try two()
            guard let figures = Int(element.attributes["figures"] ?? ""), (-6...15).contains(figures) else {
                throw XMLTree.Failure(reason: "equalRounded's figures is not a number from -6 to 15 (a template variable?)")
            }
            return .equalRounded(a, b, significantFigures: element.attributes["roundingMode"] != "decimalPlaces", figures: figures)
        case "member":
            let (a, b) = try two()
            return .member(a, b)
        case "contains":
            let (a, b) = try two()
            return .contains(a, b)
        case "containerSize": return .containerSize(try one(parts, element))
        case "multiple": return .container(parts, ordered: false)
        case "ordered": return .container(parts, ordered: true)
        case "sum": return .sum(parts)
        case "product": return .product(parts)
        case "subtract":
            let (a, b) = try two()
            return .subtract(a, b)
        case "divide":
            let (a, b) = try two()
            return .divide(a, b)
        case "gt", "gte", "lt", "lte":
            let (a, b) = try two()
            return .compare(a, b, element.name)
        default:
            throw XMLTree.Failure(reason: "response processing uses \(element.name), which the bank cannot score")
        }
    }

    private static func one(_ parts: [Expression], _ element: XMLTree) throws(XMLTree.Failure) -> Expression {
        guard parts.count == 1 else { throw XMLTree.Failure(reason: "\(element.name) takes one expression") }
        return parts[0]
    }
}
