import Foundation
import GranaryModel

/// A question as a file of another system describes it, before it is given a course and points of the bank.
struct ImportedQuestion: Sendable {
    var type: QuestionType
    var stem: String
    var options: [Question.Option] = []
    /// Shaped as `QuestionContent.answer` wants it.
    var answer: JSONValue
    var analysis: String?
    var rubric: [Question.Criterion] = []
    /// Full marks, when the source says (else 1, or one per blank).
    var score: Double?
    var scoring: QuestionScoring?
    /// 1–5, when the source says.
    var difficulty: Int?
    /// Knowledge or skill points by id or name, when the source names them (知识点): each must be a point of the course.
    var points: [String] = []
    /// A name that may be a point of the course (the last part of a Moodle category): used when it is one.
    var pointHint: String?
    /// What could not be carried over, for the report.
    var warnings: [String] = []
    /// Bytes of the files the texts' markers name, by the name as the marker writes it (the source's own path or
    /// URL): found in the file by its reader, or in the package by the importer.
    var files: [String: [UInt8]] = [:]

    /// The files the texts' markers name, as the source wrote them, each once.
    var fileSources: [String] {
        var names: [String] = []
        for text in [self.stem] + self.options.map(\.text) + [self.analysis ?? ""] {
            for name in Question.Attachment.names(in: text) where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Reads the bytes of each file the texts name that `read` finds (a package's entry); a `data:` URL carries its own.
    mutating func fetchFiles(_ read: (String) -> [UInt8]?) {
        for source in self.fileSources where self.files[source] == nil {
            if let bytes = Self.dataURL(source) ?? read(source) { self.files[source] = bytes }
        }
    }

    /// Renames the file `source` to `name` in every marker of the texts.
    mutating func renameFile(_ source: String, to name: String) {
        guard source != name else { return }
        func renamed(_ text: String) -> String {
            Question.Attachment.pieces(of: text).map { piece in
                switch piece {
                case .text(let words): words
                case .file(let word, let file): "[\(word)：\(file == source ? name : file)]"
                }
            }.joined()
        }
        self.stem = renamed(self.stem)
        self.options = self.options.map { Question.Option(id: $0.id, text: renamed($0.text)) }
        self.analysis = self.analysis.map(renamed)
    }

    /// The bytes a `data:…;base64,` URL holds.
    static func dataURL(_ source: String) -> [UInt8]? {
        guard source.hasPrefix("data:"), let comma = source.firstIndex(of: ","), source[..<comma].hasSuffix(";base64") else { return nil }
        return Data(base64Encoded: String(source[source.index(after: comma)...]), options: .ignoreUnknownCharacters).map { [UInt8]($0) }
    }

    /// `reference` (a relative or absolute path, percent-encoded or not) as the path of an entry of a package, from
    /// the folder `base` (`items/`, `word/`); nil for a URL of another place or a path that leaves the package.
    static func packagePath(_ reference: String, from base: String) -> String? {
        var path = reference.split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
        path = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        path = path.removingPercentEncoding ?? path
        guard !path.isEmpty, !path.contains("://"), !path.hasPrefix("data:") else { return nil }
        var parts: [Substring] = path.hasPrefix("/") ? [] : base.split(separator: "/")
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}

extension ImportedQuestion {
    /// A short question graded by a teacher against `reference`; without one, a note says so (and the report).
    static func essay(stem: String, reference: String?) -> ImportedQuestion {
        var question = ImportedQuestion(type: .short, stem: stem, answer: .string(reference ?? "（原题未提供参考答案，由教师评阅）"))
        if reference == nil { question.warnings.append("原题没有参考答案，以说明代替") }
        return question
    }

    /// A matching question as the bank holds it: practical, graded against the pairs written out, one criterion.
    static func matching(stem: String, pairs: [String], score: Double) -> ImportedQuestion {
        var question = ImportedQuestion(
            type: .practical,
            stem: stem,
            answer: .string("正确对应：" + pairs.joined(separator: "；")),
            rubric: [Question.Criterion(criterion: "与参考答案一致", points: score)]
        )
        question.score = score
        question.warnings.append("匹配题成为综合实践题，按写出的正确对应评分")
        return question
    }

    /// Options lettered A, B, C… from their texts: 2 to 26 of them, else the failure a choice question gets.
    static func lettered(_ texts: [String]) throws(ImportFailure) -> [Question.Option] {
        guard (2...26).contains(texts.count) else { throw ImportFailure(code: "invalid", reason: "选择题应有 2–26 个选项，本题有 \(texts.count) 个") }
        return texts.enumerated().map { Question.Option(id: String(UnicodeScalar(UInt8(65 + $0.offset))), text: $0.element) }
    }
}

/// Why a question of a file was not imported.
struct ImportFailure: Error, Sendable {
    /// `malformed` (the file cannot be read), `not_qti` (not a format the bank reads), `unsupported` (a question the
    /// bank cannot hold faithfully), or `invalid` (it breaks a bank rule).
    var code = "unsupported"
    let reason: String

    init(code: String = "unsupported", reason: String) {
        self.code = code
        self.reason = reason
    }

    init(_ failure: XMLTree.Failure) {
        self.init(code: failure.code, reason: failure.reason)
    }
}

/// One question of a file, read or not: `name` says where it is (a file of a package, 第 3 题, a row).
struct ImportEntry: Sendable {
    var name: String
    var result: Result<ImportedQuestion, ImportFailure>
}
