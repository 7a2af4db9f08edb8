import Foundation

/// A question of the bank (试题) as one version shows it.
public struct Question: Codable, Sendable, Equatable {
    /// One choice of a `single` or `multiple` question.
    public struct Option: Codable, Sendable, Equatable {
        /// Short identifier, e.g. `A`.
        public var id: String
        /// What the learner reads.
        public var text: String

        /// Creates an option.
        public init(id: String, text: String) {
            self.id = id
            self.text = text
        }
    }

    /// One criterion of a `practical` question's rubric (评分标准) and the points it is worth.
    public struct Criterion: Codable, Sendable, Equatable {
        /// What is judged, e.g. 焊缝成形.
        public var criterion: String
        /// Points for meeting it in full.
        public var points: Double

        /// Creates a criterion.
        public init(criterion: String, points: Double) {
            self.criterion = criterion
            self.points = points
        }
    }

    /// A file a question shows (a picture, a sound, a film), kept as a blob like every upload: content-addressed,
    /// typed by libmagic. The text shows it where it says `[图片：name]` (or `[音频：…]`, `[视频：…]`, `[媒体：…]`).
    public struct Attachment: Codable, Sendable, Equatable {
        /// The name the text uses for it, unique in the question, e.g. `image1.png`.
        public var name: String
        /// SHA-256 of the bytes, lowercase hex.
        public var sha256: String
        /// MIME type, from libmagic.
        public var mime: String
        /// Size in bytes.
        public var size: Int64

        /// Creates an attachment value.
        public init(name: String, sha256: String, mime: String, size: Int64) {
            self.name = name
            self.sha256 = sha256
            self.mime = mime
            self.size = size
        }

        /// Most files one question version holds.
        public static let maximumCount = 50
        /// The marker words a text may use, by what the file is.
        public static let markerWords = ["图片", "音频", "视频", "媒体"]

        /// What a name cannot hold: it would end its marker early or break it across lines.
        static let forbidden: Set<Character> = ["[", "]", "：", "\n", "\r", "\r\n"]

        /// Whether `name` can stand in a marker: 1–120 characters, no brackets, full-width colon or line break.
        public static func isValidName(_ name: String) -> Bool {
            !name.isEmpty && name.count <= 120 && !name.contains(where: Self.forbidden.contains)
        }

        /// `reference` (a path, a URL) with what a marker cannot hold left out, to stand in one.
        public static func markerName(_ reference: String) -> String {
            reference.filter { !Self.forbidden.contains($0) }
        }

        /// The names `text`'s markers use, in order, each once.
        public static func names(in text: String) -> [String] {
            var names: [String] = []
            for case .file(_, let name) in Self.pieces(of: text) where !names.contains(name) { names.append(name) }
            return names
        }

        /// A piece of a question's text: words, or a marker naming a file.
        public enum Piece: Equatable, Sendable {
            case text(String)
            /// `[word：name]`: the word (图片, 音频, 视频, 媒体) and the file's name.
            case file(word: String, name: String)
        }

        /// `text` cut at its markers (a marker never spans lines).
        public static func pieces(of text: String) -> [Piece] {
            guard text.contains("：") else { return [.text(text)] }
            var pieces: [Piece] = []
            var words = ""
            var rest = Substring(text)
            while let open = rest.firstIndex(of: "[") {
                let after = rest[rest.index(after: open)...]
                if let word = Self.markerWords.first(where: { after.hasPrefix($0 + "：") }) {
                    let start = after.index(after.startIndex, offsetBy: word.count + 1)
                    if let close = after[start...].firstIndex(where: { $0 == "]" || $0.isNewline }), after[close] == "]", close > start {
                        words += rest[..<open]
                        if !words.isEmpty { pieces.append(.text(words)) }
                        words = ""
                        pieces.append(.file(word: word, name: String(after[start..<close])))
                        rest = after[after.index(after: close)...]
                        continue
                    }
                }
                words += rest[...open]
                rest = after
            }
            words += rest
            if !words.isEmpty { pieces.append(.text(words)) }
            return pieces
        }
    }

    /// Identifier.
    public var id: String
    /// Version shown.
    public var version: Int
    /// Course the question belongs to.
    public var course: String
    /// Points it assesses (at least one, all of the course).
    public var knowledgePoints: [String]
    /// Type.
    public var type: QuestionType
    /// Difficulty 1 (easy) to 5 (hard).
    public var difficulty: Int
    /// The question itself.
    public var stem: String
    /// Choices of `single` and `multiple` questions; empty otherwise.
    public var options: [Option]
    /// The answer, shaped by type (see `QuestionContent.answer`).
    public var answer: JSONValue
    /// Explanation shown after answering (解析).
    public var analysis: String?
    /// Criteria of a `practical` question; empty otherwise.
    public var rubric: [Criterion]
    /// Full marks.
    public var score: Double
    /// How answers earn points when not by the plain rule of the type (partial credit, numbers, case).
    public var scoring: QuestionScoring?
    /// Published resources the question shows (a drawing, a photo of a weld, a video), by id.
    public var media: [String]
    /// Files the question's texts show in place.
    public var attachments: [Attachment]
    /// Review state.
    public var status: ReviewStatus
    /// Version learners and papers see, once one is approved.
    public var publishedVersion: Int?
    /// Username of the author.
    public var createdBy: String
    /// When the question was created.
    public var createdAt: Date
    /// When this version was made.
    public var updatedAt: Date

    /// Creates a question value.
    public init(
        id: String,
        version: Int,
        course: String,
        knowledgePoints: [String],
        type: QuestionType,
        difficulty: Int,
        stem: String,
        options: [Option],
        answer: JSONValue,
        analysis: String?,
        rubric: [Criterion],
        score: Double,
        scoring: QuestionScoring? = nil,
        media: [String] = [],
        attachments: [Attachment] = [],
        status: ReviewStatus,
        publishedVersion: Int?,
        createdBy: String,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.version = version
        self.course = course
        self.knowledgePoints = knowledgePoints
        self.type = type
        self.difficulty = difficulty
        self.stem = stem
        self.options = options
        self.answer = answer
        self.analysis = analysis
        self.rubric = rubric
        self.score = score
        self.scoring = scoring
        self.media = media
        self.attachments = attachments
        self.status = status
        self.publishedVersion = publishedVersion
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a question says, checked for its type: the part a new version replaces.
public struct QuestionContent: Codable, Sendable, Equatable {
    public var course: String
    public var knowledgePoints: [String]
    public var type: QuestionType
    public var difficulty: Int
    public var stem: String
    public var options: [Question.Option]
    /// `single`: an option id; `multiple`: option ids (sorted); `judge`: true or false; `fill`: one array of accepted
    /// strings per blank; `short` and `practical`: reference text.
    public var answer: JSONValue
    public var analysis: String?
    public var rubric: [Question.Criterion]
    public var score: Double
    /// Scoring beyond the type's plain rule, checked against the answer: a perfect answer earns exactly `score`.
    public var scoring: QuestionScoring?
    /// Published resources the question shows, by id.
    public var media: [String]
    /// Files the texts show in place, each named once.
    public var attachments: [Question.Attachment]

    /// Checks every field for the type and reports all problems at once; normalises the answer's shape
    /// (a fill blank given as one string becomes a one-element array, multiple-choice ids are sorted).
    public init(
        course: String,
        knowledgePoints: [String],
        type: QuestionType,
        difficulty: Int,
        stem: String,
        options: [Question.Option],
        answer: JSONValue,
        analysis: String?,
        rubric: [Question.Criterion],
        score: Double,
        scoring: QuestionScoring? = nil,
        media: [String] = [],
        attachments: [Question.Attachment] = []
    ) throws(GranaryError) {
        var problems: [FieldError] = []
        func problem(_ field: String, _ zh: String, _ en: String) {
            problems.append(FieldError(field: field, message: LocalizedText(zh: zh, en: en)))
        }
        if knowledgePoints.isEmpty { problem("knowledgePoints", "至少关联一个知识（技能）点", "at least one knowledge or skill point") }
        if !(1...5).contains(difficulty) { problem("difficulty", "难度应为 1–5", "difficulty must be 1 to 5") }
        if stem.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || stem.count > 20_000 {
            problem("stem", "题干不能为空，且不超过 20000 字", "stem must be 1 to 20000 characters")
        }
        if !(score > 0 && score <= 1_000) || (score * 2).rounded() != score * 2 {
            problem("score", "分值应大于 0、不超过 1000，且为 0.5 的整数倍", "score must be above 0, at most 1000, in steps of 0.5")
        }
        if media.count > 20 || Set(media).count != media.count {
            problem("media", "最多引用 20 个资源，且不重复", "at most 20 resources, each once")
        }
        if attachments.count > Question.Attachment.maximumCount {
            problem("attachments", "每题最多 \(Question.Attachment.maximumCount) 个文件", "at most \(Question.Attachment.maximumCount) files a question")
        }
        var fileNames = Set<String>()
        for (index, file) in attachments.enumerated() {
            if !Question.Attachment.isValidName(file.name) || !fileNames.insert(file.name).inserted {
                problem(
                    "attachments[\(index)].name",
                    "文件名应为 1–120 字，不含方括号、全角冒号或换行，且在本题中不重复",
                    "file names are 1 to 120 characters without brackets, full-width colons or line breaks, each once"
                )
            }
        }
        if let analysis, analysis.count > 20_000 { problem("analysis", "解析不超过 20000 字", "analysis must be at most 20000 characters") }

        let choice = type == .single || type == .multiple
        var ids = Set<String>()
        if choice {
            if options.count < 2 || options.count > 26 { problem("options", "选择题应有 2–26 个选项", "a choice question needs 2 to 26 options") }
            for (index, option) in options.enumerated() {
                if option.id.isEmpty || option.id.count > 16 || !ids.insert(option.id).inserted {
                    problem("options[\(index)].id", "选项编号应为 1–16 字且不重复", "option ids must be 1 to 16 characters and unique")
                }
                if option.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    problem("options[\(index)].text", "选项内容不能为空", "option text must not be empty")
                }
            }
        } else if !options.isEmpty {
            problem("options", "只有单选题和多选题有选项", "only single and multiple choice questions have options")
        }
        if type == .practical {
            if rubric.isEmpty { problem("rubric", "综合实践题须有评分标准", "a practical question needs a rubric") }
            for (index, item) in rubric.enumerated() {
                if item.criterion.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    problem("rubric[\(index)].criterion", "评分项不能为空", "criterion must not be empty")
                }
                if !(item.points > 0) { problem("rubric[\(index)].points", "评分项分值应大于 0", "points must be above 0") }
            }
            let total = rubric.reduce(0) { $0 + $1.points }
            if !rubric.isEmpty, abs(total - score) > 1e-9 {
                problem("rubric", "评分标准合计 \(total) 分，与题目分值 \(score) 不符", "rubric points add up to \(total), not the score \(score)")
            }
        } else if !rubric.isEmpty {
            problem("rubric", "只有综合实践题有评分标准", "only practical questions have a rubric")
        }

        var normalized = answer
        switch (type, answer) {
        case (.single, .string(let id)):
            if !ids.contains(id) { problem("answer", "答案应为一个选项编号", "the answer must be one option id") }
        case (.multiple, .array(let values)):
            let chosen = values.compactMap { value -> String? in if case .string(let id) = value { id } else { nil } }
            if chosen.count != values.count || chosen.isEmpty || Set(chosen).count != chosen.count || !Set(chosen).isSubset(of: ids) {
                problem("answer", "答案应为不重复的选项编号数组", "the answer must be distinct option ids")
            }
            normalized = .array(chosen.sorted().map(JSONValue.string))
        case (.judge, .bool):
            break
        case (.fill, .array(let blanks)) where !blanks.isEmpty && blanks.count <= 50:
            var accepted: [JSONValue] = []
            for (index, blank) in blanks.enumerated() {
                var words: [String] = []
                switch blank {
                case .string(let word): words = [word]
                case .array(let list):
                    for case .string(let word) in list { words.append(word) }
                    if words.count != list.count { words = [] }
                default: break
                }
                if words.isEmpty || words.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    problem("answer[\(index)]", "每个空应为一个或多个非空的可接受答案", "each blank takes one or more non-empty accepted answers")
                }
                accepted.append(.array(words.map(JSONValue.string)))
            }
            normalized = .array(accepted)
        case (.short, .string(let text)), (.practical, .string(let text)):
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problem("answer", "参考答案不能为空", "the reference answer must not be empty")
            }
        default:
            let shape =
                switch type {
                case .single: LocalizedText(zh: "一个选项编号", en: "one option id")
                case .multiple: LocalizedText(zh: "选项编号数组", en: "an array of option ids")
                case .judge: LocalizedText(zh: "true 或 false", en: "true or false")
                case .fill: LocalizedText(zh: "每空一项的数组（1–50 空）", en: "an array with one entry per blank (1 to 50)")
                case .short, .practical: LocalizedText(zh: "参考答案文本", en: "reference text")
                }
            problem("answer", "\(type.rawValue) 题的答案应为\(shape.zh)", "a \(type.rawValue) answer is \(shape.en)")
        }
        if let scoring, problems.isEmpty {
            let accepted = QuestionGrading.blanks(normalized)
            problems += scoring.problems(type: type, options: options.map(\.id), blanks: accepted)
            let best = QuestionGrading.best(type: type, key: normalized, score: score, scoring: scoring)
            let keyed = QuestionGrading.grade(type == .fill ? nil : normalized, key: normalized, type: type, score: score, scoring: scoring)
            let earned = type == .fill ? best : keyed?.score ?? best
            func figure(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
            if problems.isEmpty, abs(earned - score) > 0.005 {
                problem(
                    "scoring",
                    "按评分规则，标准答案得 \(figure(earned)) 分，与题目分值 \(figure(score)) 不符",
                    "under the rule the answer earns \(figure(earned)), not the score \(figure(score))"
                )
            } else if problems.isEmpty, abs(best - score) > 0.005 {
                problem(
                    "scoring",
                    "按评分规则，最高可得 \(figure(best)) 分，与题目分值 \(figure(score)) 不符",
                    "under the rule the best answer earns \(figure(best)), not the score \(figure(score))"
                )
            }
        }
        guard problems.isEmpty else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(
                    zh: "试题有误：\(problems.map(\.message.zh).joined(separator: "；"))",
                    en: "Invalid question: \(problems.map(\.message.en).joined(separator: "; "))"
                ),
                errors: problems
            )
        }
        self.course = course
        self.knowledgePoints = knowledgePoints
        self.type = type
        self.difficulty = difficulty
        self.stem = stem
        self.options = options
        self.answer = normalized
        self.analysis = analysis
        self.rubric = rubric
        self.score = score
        self.scoring = scoring
        self.media = media
        self.attachments = attachments
    }
}
