import Foundation
import GranaryModel
import GranaryStore

/// An Excel (.xlsx) question bank with a header row naming its columns: 题型, 题干, 选项A…选项H (or A…H), 答案,
/// 解析, 难度, 分值, 知识点 (and 评分标准), one question per row, on every sheet. A sheet named after a type
/// (单选题) gives that type to rows without one. Rows are named 工作表!第 N 行 in the report.
enum ExcelQuestionReader {
    /// Largest sheet or shared-strings part read.
    static let maximumPartBytes = 32 << 20

    private static let columns: [(names: [String], field: Column)] = [
        (["题型", "试题类型", "题目类型", "类型", "type"], .type),
        (["题干", "题目", "试题", "试题内容", "题目内容", "stem", "question"], .stem),
        (["答案", "正确答案", "参考答案", "标准答案", "answer"], .answer),
        (["解析", "答案解析", "试题解析", "analysis"], .analysis),
        (["难度", "难易度", "难易程度", "difficulty"], .difficulty),
        (["分值", "分数", "score", "points"], .score),
        (["知识点", "考点", "knowledgepoints"], .points),
        (["评分标准", "rubric"], .rubric),
    ]

    enum Column: Equatable {
        case type, stem, answer, analysis, difficulty, score, points, rubric
        case option(String)
    }

    static func read(path: String, name: String) throws -> [ImportEntry] {
        guard let archive = ZipArchive(path: path) else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "Excel 文件已损坏或无法读取", en: "The Excel file is damaged or unreadable"))
        }
        try QuestionImporter.checkInflatedSize(archive)
        func part(_ name: String) -> XMLTree? {
            archive.entry(named: name).flatMap { QuestionImporter.read($0, of: archive, maximumBytes: Self.maximumPartBytes) }
                .flatMap { try? XMLTree.parse($0, maximumBytes: Self.maximumPartBytes) }
        }
        guard let workbook = part("xl/workbook.xml") else {
            throw GranaryError(.invalidDocument, LocalizedText(zh: "Excel 文件中没有工作簿", en: "The Excel file has no workbook"))
        }
        let strings = part("xl/sharedStrings.xml").map { $0.elements("si").map(Self.text) } ?? []
        let relationships = part("xl/_rels/workbook.xml.rels")?.elements("Relationship") ?? []
        var entries: [ImportEntry] = []
        for sheet in workbook.element("sheets")?.elements("sheet") ?? [] {
            let title = sheet.attributes["name"] ?? "Sheet"
            guard let target = relationships.first(where: { $0.attributes["Id"] == sheet.attributes["id"] })?.attributes["Target"] else { continue }
            let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            guard let rows = part(path).map({ Self.rows($0, strings: strings) }) else {
                entries.append(ImportEntry(name: title, result: .failure(ImportFailure(code: "malformed", reason: "工作表无法读取"))))
                continue
            }
            entries += Self.questions(rows, sheet: title)
        }
        guard !entries.isEmpty else {
            throw GranaryError(
                .validationFailed,
                LocalizedText(
                    zh: "Excel 中没有试题：需要一行表头（题型、题干、选项A…、答案…）和其下每行一题",
                    en: "No questions in the workbook: it needs a header row (题型, 题干, 选项A…, 答案…) and one question per row below"
                )
            )
        }
        return entries
    }

    /// The questions of one sheet's rows (row number, cells by column index).
    static func questions(_ rows: [(number: Int, cells: [Int: String])], sheet: String) -> [ImportEntry] {
        guard let headerIndex = rows.firstIndex(where: { row in row.cells.values.contains { Self.column(named: $0) == .stem } }) else { return [] }
        var layout: [Int: Column] = [:]
        for (index, name) in rows[headerIndex].cells { if let column = Self.column(named: name) { layout[index] = column } }
        let sheetType = ChineseLayout.type(named: sheet)
        var entries: [ImportEntry] = []
        for row in rows[(headerIndex + 1)...] {
            var draft = ChineseLayout.Draft()
            draft.type = sheetType
            for (index, value) in row.cells {
                let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !value.isEmpty, let column = layout[index] else { continue }
                switch column {
                case .type: draft.type = ChineseLayout.type(named: value) ?? draft.type
                case .stem: draft.stem = value
                case .answer: draft.answer = value
                case .analysis: draft.analysis = value
                case .difficulty: draft.difficulty = value
                case .score: draft.score = value
                case .points: draft.points = value
                case .rubric: draft.rubric = value
                case .option(let letter): draft.options.append((letter, value))
                }
            }
            guard !draft.isEmpty else { continue }
            draft.options.sort { $0.letter < $1.letter }
            let label = "\(sheet)!第 \(row.number) 行"
            do throws(ImportFailure) {
                entries.append(ImportEntry(name: label, result: .success(try ChineseLayout.question(draft))))
            } catch {
                entries.append(ImportEntry(name: label, result: .failure(error)))
            }
        }
        return entries
    }

    /// The column a header cell names: a field, or `选项A` / `A` for an option.
    static func column(named header: String) -> Column? {
        let key = ChineseLayout.comparable(header)
        if let field = Self.columns.first(where: { $0.names.contains(key) })?.field { return field }
        let letter = key.replacingOccurrences(of: "选项", with: "").replacingOccurrences(of: "option", with: "").uppercased()
        if letter.count == 1, ("A"..."H").contains(letter) { return .option(letter) }
        return nil
    }

    /// A sheet's rows with their 1-based numbers and cell text by 0-based column.
    static func rows(_ sheet: XMLTree, strings: [String]) -> [(number: Int, cells: [Int: String])] {
        var rows: [(number: Int, cells: [Int: String])] = []
        for row in sheet.element("sheetData")?.elements("row") ?? [] {
            var cells: [Int: String] = [:]
            var next = 0
            for cell in row.elements("c") {
                let index = cell.attributes["r"].flatMap(Self.columnIndex) ?? next
                next = index + 1
                let raw = cell.element("v")?.rawText ?? ""
                switch cell.attributes["t"] {
                case "s": cells[index] = Int(raw).flatMap { $0 < strings.count ? strings[$0] : nil } ?? ""
                case "inlineStr": cells[index] = cell.element("is").map(Self.text) ?? ""
                case "b": cells[index] = raw == "1" ? "TRUE" : "FALSE"
                default: cells[index] = raw
                }
            }
            rows.append((Int(row.attributes["r"] ?? "") ?? rows.count + 1, cells))
        }
        return rows
    }

    /// `C12` → 2.
    static func columnIndex(_ reference: String) -> Int? {
        let letters = reference.prefix { $0.isLetter }
        // Excel's last column is XFD; longer letters are not a reference (and would overflow).
        guard (1...3).contains(letters.count), letters.allSatisfy({ $0.isASCII }) else { return nil }
        return letters.uppercased().unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
    }

    /// The text of a shared or inline string: its `t` runs, phonetic hints left out.
    private static func text(_ item: XMLTree) -> String {
        (item.elements("t") + item.elements("r").flatMap { $0.elements("t") }).map(\.rawText).joined()
            .replacingOccurrences(of: "\r\n", with: "\n")
    }
}
