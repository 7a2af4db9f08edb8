import Foundation
import GranaryModel

/// A course's questions as Moodle XML, for colleagues on Moodle (Moodle 3.x–4.x import them with "Moodle XML").
///
/// Each point's questions follow a category `$course$/top/课程/知识点`. single → multichoice (single; points per
/// option become fractions), multiple → multichoice (multiple; each right option its share, each wrong one −100%
/// unless the rule gives its own: core Moodle has no all-or-nothing multichoice, so a partly right answer earns
/// part), judge → truefalse, one text blank → shortanswer (`usecase` from the case rule), one number blank →
/// numerical with its tolerance, several blanks → cloze with each blank's weight, short and practical → essay with
/// the reference answer (and the rubric) as grader information. Fractions are Moodle's allowed grades, the nearest one
/// when a rule's share is not among them. The analysis is the general feedback.
enum MoodleXMLExport {
    /// The grades Moodle accepts for an answer, in percent.
    static let grades: [Double] = [
        100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0,
    ]

    /// `files` holds the bytes of the questions' files by SHA-256: each goes base64 into the text that shows it, as
    /// Moodle writes them (`@@PLUGINFILE@@/name`); a file not given is left a marker.
    static func document(_ questions: [Question], courseName: String, pointNames: [String: String], files: [String: [UInt8]] = [:]) -> String {
        var writer = XMLDocumentWriter()
        writer.open("quiz")
        var category: String?
        for question in Self.order(questions) {
            let point = question.knowledgePoints.first.map { pointNames[$0] ?? $0 } ?? "未分类"
            if category != point {
                category = point
                writer.open("question", [("type", "category")])
                writer.open("category")
                writer.leaf("text", [], "$course$/top/\(Self.segment(courseName))/\(Self.segment(point))")
                writer.close()
                writer.close()
            }
            Self.question(question, files: files, into: &writer)
        }
        writer.close()
        return writer.finish()
    }

    /// The questions grouped by their first point (a category each), in the order the points first appear.
    static func order(_ questions: [Question]) -> [Question] {
        var points: [String] = []
        for question in questions where !points.contains(question.knowledgePoints.first ?? "") { points.append(question.knowledgePoints.first ?? "") }
        return points.flatMap { point in questions.filter { ($0.knowledgePoints.first ?? "") == point } }
    }

    private static func question(_ question: Question, files bytes: [String: [UInt8]], into writer: inout XMLDocumentWriter) {
        let shown = question.attachments.filter { bytes[$0.sha256] != nil }
        func html(_ text: String) -> String { Self.html(text, files: shown) }
        /// The files of `texts` that travel with the element written.
        func files(_ texts: String...) -> [(Question.Attachment, [UInt8])] {
            let names = Set(texts.flatMap(Question.Attachment.names(in:)))
            return shown.filter { names.contains($0.name) }.map { ($0, bytes[$0.sha256]!) }
        }
        let blanks = QuestionGrading.blanks(question.answer)
        let rules = question.scoring?.blanks ?? []
        let type: String =
            switch question.type {
            case .single, .multiple: "multichoice"
            case .judge: "truefalse"
            case .fill where blanks.count == 1: rules.first?.numeric != nil ? "numerical" : "shortanswer"
            case .fill: "cloze"
            case .short, .practical: "essay"
            }
        writer.open("question", [("type", type)])
        writer.open("name")
        writer.leaf("text", [], QTIExport.title(of: question))
        writer.close()
        let stem = question.type == .fill && blanks.count > 1 ? Self.cloze(question, files: shown) : html(question.stem)
        Self.text("questiontext", stem, files: files(question.stem), into: &writer)
        Self.text("generalfeedback", question.analysis.map(html) ?? "", files: files(question.analysis ?? ""), into: &writer)
        if type != "cloze" { writer.leaf("defaultgrade", [], QTIExport.number(question.score)) }
        writer.leaf("penalty", [], "0")
        writer.leaf("hidden", [], "0")
        writer.leaf("idnumber", [], question.id)
        switch question.type {
        case .single, .multiple:
            writer.leaf("single", [], question.type == .single ? "true" : "false")
            writer.leaf("shuffleanswers", [], "false")
            writer.leaf("answernumbering", [], "ABCD")
            for option in question.options {
                Self.answer(html(option.text), fraction: Self.fraction(option.id, of: question), files: files(option.text), into: &writer)
            }
        case .judge:
            let truth = question.answer == .bool(true)
            Self.answer("true", fraction: truth ? 100 : 0, into: &writer)
            Self.answer("false", fraction: truth ? 0 : 100, into: &writer)
        case .fill where blanks.count == 1:
            let rule = rules.first ?? QuestionScoring.Blank()
            let points = Self.answerShares(0, of: question)
            if let numeric = rule.numeric {
                for (word, share) in zip(blanks[0], points) {
                    writer.open("answer", [("fraction", QTIExport.number(share)), ("format", "moodle_auto_format")])
                    writer.leaf("text", [], word)
                    writer.leaf("tolerance", [], QTIExport.number(Self.tolerance(numeric, word)))
                    writer.close()
                }
            } else {
                writer.leaf("usecase", [], rule.caseSensitive == true ? "1" : "0")
                for (word, share) in zip(blanks[0], points) { Self.answer(word, fraction: share, into: &writer) }
            }
        case .fill:
            break
        case .short, .practical:
            writer.leaf("responseformat", [], "editor")
            writer.leaf("responserequired", [], "1")
            writer.leaf("responsefieldlines", [], "10")
            writer.leaf("attachments", [], "0")
            let reference: String = if case .string(let text) = question.answer { text } else { "" }
            var grader = Self.html(reference)
            if !question.rubric.isEmpty {
                grader +=
                    "<p>评分标准：</p><ul>" + question.rubric.map { "<li>\(Self.escaped($0.criterion))：\(QTIExport.number($0.points)) 分</li>" }.joined()
                    + "</ul>"
            }
            Self.text("graderinfo", grader, into: &writer)
            Self.text("responsetemplate", "", into: &writer)
        }
        writer.close()
    }

    /// A cloze text: each `____` (or, when the stem marks fewer, the end) becomes `{weight:KIND:=answer…}`.
    private static func cloze(_ question: Question, files: [Question.Attachment]) -> String {
        let blanks = QuestionGrading.blanks(question.answer)
        let rules = question.scoring?.blanks ?? []
        let points = blanks.indices.map { QuestionGrading.blankPoints($0, accepted: blanks, rules: rules, score: question.score) }
        // Moodle weights are whole numbers: halves are doubled, all together, so the shares stay.
        let scale = points.allSatisfy { $0 == $0.rounded() } ? 1.0 : 2.0
        let embedded = blanks.indices.map { index -> String in
            let rule = index < rules.count ? rules[index] : QuestionScoring.Blank()
            let shares = Self.answerShares(index, of: question)
            let weight = max(1, Int((points[index] * scale).rounded()))
            let kind = rule.numeric != nil ? "NUMERICAL" : rule.caseSensitive == true ? "SHORTANSWER_C" : "SHORTANSWER"
            let answers = zip(blanks[index], shares).map { word, share -> String in
                let mark = share >= 100 ? "=" : "%\(QTIExport.number(share))%"
                let value = rule.numeric.map { "\(Self.clozeEscaped(word)):\(QTIExport.number(Self.tolerance($0, word)))" } ?? Self.clozeEscaped(word)
                return mark + value
            }
            return "{\(weight):\(kind):\(answers.joined(separator: "~"))}"
        }
        let pieces = question.stem.components(separatedBy: "____")
        var output = ""
        if pieces.count - 1 == blanks.count {
            for (index, piece) in pieces.enumerated() {
                output += QuestionText.html(piece, files: files, url: Self.pluginFile)
                if index < embedded.count { output += embedded[index] }
            }
        } else {
            output = Self.escaped(question.stem) + embedded.enumerated().map { "<br>（\($0.offset + 1)）\($0.element)" }.joined()
        }
        return "<p>" + output.replacingOccurrences(of: "\n", with: "<br>") + "</p>"
    }

    /// The fraction (percent) option `id` earns: its points under the rule, else 100 for a right option (its share of
    /// the right ones for multiple) and 0 (−100 for multiple) for a wrong one.
    private static func fraction(_ id: String, of question: Question) -> Double {
        if let points = question.scoring?.optionPoints { return Self.grade((points[id] ?? 0) / question.score * 100) }
        switch question.answer {
        case .string(let key): return id == key ? 100 : 0
        case .array(let keys):
            let right = keys.compactMap { if case .string(let key) = $0 { key } else { nil } }
            return right.contains(id) ? Self.grade(100 / Double(max(right.count, 1))) : -100
        default: return 0
        }
    }

    /// Percent of the blank's full points each accepted answer earns.
    private static func answerShares(_ index: Int, of question: Question) -> [Double] {
        let blanks = QuestionGrading.blanks(question.answer)
        let rules = question.scoring?.blanks ?? []
        let full = QuestionGrading.blankPoints(index, accepted: blanks, rules: rules, score: question.score)
        guard index < rules.count, let list = rules[index].answerPoints, full > 0 else { return blanks[index].map { _ in 100 } }
        return list.map { Self.grade($0 / full * 100) }
    }

    /// The tolerance Moodle gets for an accepted number: absolute, or the relative one worked out; rounding becomes
    /// half a unit of its last place.
    private static func tolerance(_ numeric: QuestionScoring.Numeric, _ word: String) -> Double {
        let value = QuestionScoring.number(word) ?? 0
        var tolerance = max(numeric.tolerance ?? 0, abs(value) * (numeric.relativeTolerance ?? 0) / 100)
        if let places = numeric.decimalPlaces { tolerance = Foundation.pow(10, Double(-places)) / 2 }
        if let figures = numeric.significantFigures, value != 0 {
            tolerance = Foundation.pow(10, Foundation.floor(Foundation.log10(abs(value))) - Double(figures) + 1) / 2
        }
        return tolerance
    }

    /// The allowed grade nearest `percent` (negative grades mirror the positive ones).
    static func grade(_ percent: Double) -> Double {
        let magnitude = Self.grades.min { abs($0 - abs(percent)) < abs($1 - abs(percent)) } ?? 0
        return percent < 0 ? -magnitude : magnitude
    }

    private static func answer(
        _ text: String,
        fraction: Double,
        files: [(Question.Attachment, [UInt8])] = [],
        into writer: inout XMLDocumentWriter
    ) {
        writer.open("answer", [("fraction", QTIExport.number(fraction)), ("format", "html")])
        writer.leaf("text", [], text)
        Self.write(files, into: &writer)
        writer.close()
    }

    private static func text(_ element: String, _ html: String, files: [(Question.Attachment, [UInt8])] = [], into writer: inout XMLDocumentWriter) {
        writer.open(element, [("format", "html")])
        writer.leaf("text", [], html)
        Self.write(files, into: &writer)
        writer.close()
    }

    private static func write(_ files: [(Question.Attachment, [UInt8])], into writer: inout XMLDocumentWriter) {
        for (file, bytes) in files {
            writer.leaf("file", [("name", file.name), ("path", "/"), ("encoding", "base64")], Data(bytes).base64EncodedString())
        }
    }

    /// Plain text as HTML paragraphs, MathML fragments kept (Moodle's MathJax filter draws them), and `files` drawn
    /// where the text shows them.
    static func html(_ text: String, files: [Question.Attachment] = []) -> String {
        QTIExport.paragraphs(text).map { "<p>" + QuestionText.html($0, files: files, url: Self.pluginFile) + "</p>" }.joined()
    }

    /// How Moodle's texts name a file that travels with them.
    static func pluginFile(_ file: Question.Attachment) -> String {
        "@@PLUGINFILE@@/"
            + (file.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;?#"))) ?? file.name)
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A cloze answer with Moodle's special characters escaped.
    private static func clozeEscaped(_ text: String) -> String {
        var output = ""
        for character in Self.escaped(text) {
            if "}#~/\"\\".contains(character) { output.append("\\") }
            output.append(character)
        }
        return output
    }

    /// A category path segment: Moodle separates with `/` and doubles a slash inside a name.
    private static func segment(_ name: String) -> String {
        name.replacingOccurrences(of: "/", with: "//")
    }
}
