import Foundation
import GranaryModel
import GranaryStore

/// The question file formats the bank reads, and how one is told from the bytes and the file name.
public enum QuestionFormat: String, Sendable, CaseIterable {
    /// QTI 2.1, 2.2 or 3.0 items, alone or in an IMS content package (which may also hold QTI 1.2).
    case qti
    /// QTI 1.2 (`questestinterop`), as Canvas and Blackboard export it.
    case qti12
    /// Moodle XML (`<quiz>`).
    case moodle
    /// Moodle's GIFT text.
    case gift
    /// Aiken text: a question, options `A.`, and `ANSWER: B`.
    case aiken
    /// A Word document in the common Chinese layout (一、单选题 … 答案：).
    case docx
    /// An Excel sheet with columns 题型, 题干, 选项A…, 答案.
    case xlsx

    /// The format of the file at `path` named `name`: a zip by what it holds, XML by its root element, text by the
    /// name's extension and its marks (`ANSWER:` lines are Aiken, braces GIFT).
    static func detect(path: String, name: String) throws -> QuestionFormat {
        let head = try QuestionImporter.prefix(of: path, count: 64 << 10)
        let lower = name.lowercased()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            guard let archive = ZipArchive(path: path) else {
                throw GranaryError(.invalidDocument, LocalizedText(zh: "压缩包已损坏或无法读取", en: "The zip file is damaged or unreadable"))
            }
            if archive.entry(named: "word/document.xml") != nil { return .docx }
            if archive.entry(named: "xl/workbook.xml") != nil { return .xlsx }
            return .qti
        }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw GranaryError(
                .unsupportedMedia,
                LocalizedText(
                    zh: "这是旧版 Word/Excel（.doc/.xls）文件：请另存为 .docx 或 .xlsx 后导入",
                    en: "This is a legacy Word/Excel file (.doc/.xls): save it as .docx or .xlsx and import that"
                )
            )
        }
        let start = String(decoding: head.prefix(256), as: UTF8.self).drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if start.hasPrefix("<") {
            // XML by its root; what cannot be told (a DOCTYPE in the way) goes to the QTI reader, which says why.
            switch Self.rootElement(head) {
            case "quiz": return .moodle
            case "questestinterop": return .qti12
            default: return .qti
            }
        }
        if lower.hasSuffix(".gift") { return .gift }
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline)
        if lines.contains(where: { $0.trimmingCharacters(in: .whitespaces).uppercased().hasPrefix("ANSWER:") }) { return .aiken }
        if text.contains("{"), text.contains("}") { return .gift }
        throw GranaryError(
            .unsupportedMedia,
            LocalizedText(
                zh: "无法识别题目文件格式：支持 QTI、Moodle XML、GIFT、Aiken、Word（.docx）与 Excel（.xlsx），也可用 format 参数指定",
                en: "Unrecognised question file: QTI, Moodle XML, GIFT, Aiken, Word (.docx) and Excel (.xlsx) are read; name one with format"
            )
        )
    }

    /// The local name of the first element of an XML document, nil when the bytes do not start like XML.
    static func rootElement(_ head: [UInt8]) -> String? {
        var text = Substring(String(decoding: head, as: UTF8.self))
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        while true {
            text = text.drop { $0.isWhitespace }
            guard text.hasPrefix("<") else { return nil }
            if text.hasPrefix("<?") || text.hasPrefix("<!--") || text.hasPrefix("<!") {
                let end = text.hasPrefix("<!--") ? "-->" : ">"
                guard let close = text.range(of: end) else { return nil }
                text = text[close.upperBound...]
                continue
            }
            let name = text.dropFirst().prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" }
            return name.split(separator: ":").last.map(String.init)
        }
    }
}
