import Foundation
import GranaryModel

/// Aiken, Moodle's simplest format: single-choice questions, each a question line, options `A.` or `A)` one per
/// line, and `ANSWER: B`. Questions are named 第 N 题 in the report.
enum AikenReader {
    static func read(_ text: String, name: String) -> [ImportEntry] {
        var entries: [ImportEntry] = []
        var stem: [String] = []
        var options: [Question.Option] = []
        var line = 0
        var start = 1
        func fail(_ reason: String) {
            entries.append(
                ImportEntry(name: "第 \(entries.count + 1) 题（第 \(start) 行）", result: .failure(ImportFailure(code: "invalid", reason: reason)))
            )
            stem = []
            options = []
        }
        for raw in text.components(separatedBy: .newlines) {
            line += 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if stem.isEmpty && options.isEmpty { start = line }
            if trimmed.uppercased().hasPrefix("ANSWER:") {
                let letter = trimmed.dropFirst("ANSWER:".count).trimmingCharacters(in: .whitespaces).uppercased()
                guard !stem.isEmpty else {
                    fail("ANSWER 行前没有题干")
                    continue
                }
                guard options.count >= 2 else {
                    fail("Aiken 题至少要有两个选项（A. …）")
                    continue
                }
                guard options.contains(where: { $0.id == letter }) else {
                    fail("ANSWER: \(letter) 不是本题的选项")
                    continue
                }
                let question = ImportedQuestion(type: .single, stem: stem.joined(separator: "\n"), options: options, answer: .string(letter))
                entries.append(ImportEntry(name: "第 \(entries.count + 1) 题（第 \(start) 行）", result: .success(question)))
                stem = []
                options = []
            } else if let option = Self.option(trimmed) {
                guard !stem.isEmpty else {
                    fail("选项前没有题干")
                    continue
                }
                guard option.id == String(UnicodeScalar(UInt8(65 + options.count))) else {
                    fail("选项 \(option.id) 不按 A、B、C… 的顺序")
                    continue
                }
                options.append(option)
            } else if options.isEmpty {
                stem.append(trimmed)
            } else {
                fail("选项后应是 ANSWER: 行，却是“\(trimmed.prefix(30))”")
            }
        }
        if !stem.isEmpty || !options.isEmpty { fail("最后一题没有 ANSWER: 行") }
        if entries.isEmpty {
            entries.append(ImportEntry(name: name, result: .failure(ImportFailure(code: "not_qti", reason: "文件中没有 Aiken 格式的题目"))))
        }
        return entries
    }

    /// `A. 阴极区` or `A) 阴极区`.
    private static func option(_ line: String) -> Question.Option? {
        let characters = Array(line)
        guard characters.count >= 3, ("A"..."Z").contains(String(characters[0])), characters[1] == "." || characters[1] == ")",
            characters[2] == " " || characters[2] == "\t"
        else { return nil }
        return Question.Option(id: String(characters[0]), text: String(characters[3...]).trimmingCharacters(in: .whitespaces))
    }
}
