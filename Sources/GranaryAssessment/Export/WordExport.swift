import Foundation
import GranaryModel

/// A course's questions as a Word document for printing an exam (试卷): a title, the questions in sections by type
/// (一、单选题（共 4 题，8 分）), each numbered, options lettered, blanks as underlined gaps and a line to write on
/// for short and practical questions; then, on a new page, 参考答案与评分标准 with each answer, its analysis and the
/// rubric. The document is WordprocessingML that Word, WPS and LibreOffice open; Chinese text is set in 宋体.
enum WordExport {
    static func document(_ questions: [Question], title: String, created: Date) throws -> [UInt8] {
        var body = XMLDocumentWriter()
        body.open(
            "w:document",
            [
                ("xmlns:w", "http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
                ("xmlns:r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
            ]
        )
        body.open("w:body")
        Self.paragraph(&body, [.init(title, bold: true, size: 32)], centred: true)
        let total = questions.reduce(0) { $0 + $1.score }
        Self.paragraph(&body, [.init("共 \(questions.count) 题，满分 \(QTIExport.number(total)) 分")], centred: true)
        let sections = QuestionType.allCases.map { type in (type, questions.filter { $0.type == type }) }.filter { !$0.1.isEmpty }
        let numerals = ["一", "二", "三", "四", "五", "六"]
        var number = 0
        var numbered: [(number: Int, question: Question)] = []
        for (index, (type, list)) in sections.enumerated() {
            let points = list.reduce(0) { $0 + $1.score }
            Self.paragraph(
                &body,
                [.init("\(numerals[index])、\(Self.sectionName(type))（共 \(list.count) 题，\(QTIExport.number(points)) 分）", bold: true, size: 24)]
            )
            for question in list {
                number += 1
                numbered.append((number, question))
                Self.question(question, number: number, into: &body)
            }
        }
        Self.pageBreak(&body)
        Self.paragraph(&body, [.init("参考答案与评分标准", bold: true, size: 28)], centred: true)
        for (number, question) in numbered {
            Self.paragraph(&body, [.init("\(number). ", bold: true), .init("答案：" + Self.answer(question))])
            if !question.rubric.isEmpty {
                let rubric = question.rubric.map { "\($0.criterion) \(QTIExport.number($0.points)) 分" }.joined(separator: "；")
                Self.paragraph(&body, [.init("评分标准：" + rubric)], indent: true)
            }
            if let analysis = question.analysis, !analysis.isEmpty {
                for line in QTIExport.paragraphs("解析：" + QuestionText.plain(analysis)) { Self.paragraph(&body, [.init(line)], indent: true) }
            }
        }
        body.open("w:sectPr")
        body.empty("w:pgSz", [("w:w", "11906"), ("w:h", "16838")])
        body.empty("w:pgMar", [("w:top", "1440"), ("w:right", "1440"), ("w:bottom", "1440"), ("w:left", "1440")])
        body.close()
        body.close()
        body.close()

        var zip = ZipWriter(modified: created)
        do {
            try zip.add("[Content_Types].xml", Array(Self.contentTypes.utf8))
            try zip.add("_rels/.rels", Array(Self.relationships.utf8))
            try zip.add("word/document.xml", Array(body.finish().utf8))
            try zip.add("word/styles.xml", Array(Self.styles.utf8))
            try zip.add("word/_rels/document.xml.rels", Array(Self.documentRelationships.utf8))
            return try zip.finish()
        } catch {
            throw GranaryError(.payloadTooLarge, LocalizedText(zh: "题库过大，无法生成 Word 文档", en: "The bank is too large for a Word document"))
        }
    }

    // MARK: - Questions

    private static func question(_ question: Question, number: Int, into body: inout XMLDocumentWriter) {
        let lines = QTIExport.paragraphs(QuestionText.plain(question.stem))
        for (index, line) in lines.enumerated() {
            var runs: [Run] = index == 0 ? [.init("\(number). ")] : []
            if question.type == .fill {
                for (position, piece) in line.components(separatedBy: "____").enumerated() {
                    if position > 0 { runs.append(.init("\u{3000}\u{3000}\u{3000}\u{3000}", underlined: true)) }
                    runs.append(.init(piece))
                }
            } else {
                runs.append(.init(line))
            }
            if index == lines.count - 1 { runs.append(.init("（\(QTIExport.number(question.score)) 分）", size: 18)) }
            Self.paragraph(&body, runs)
        }
        switch question.type {
        case .single, .multiple:
            for option in question.options {
                Self.paragraph(&body, [.init("\(option.id). \(QTIExport.oneLine(QuestionText.plain(option.text)))")], indent: true)
            }
        case .judge:
            Self.paragraph(&body, [.init("（　　）")], indent: true)
        case .fill:
            let marked = question.stem.components(separatedBy: "____").count - 1
            let blanks = QuestionGrading.blanks(question.answer).count
            if marked < blanks {
                for index in marked..<blanks {
                    Self.paragraph(&body, [.init("（\(index + 1)）"), .init(String(repeating: "\u{3000}", count: 8), underlined: true)], indent: true)
                }
            }
        case .short, .practical:
            // Room to write the answer.
            for _ in 0..<(question.type == .practical ? 8 : 5) { Self.paragraph(&body, [.init("")]) }
        }
    }

    /// The key as a person reads it: B; A、C; 对; 红 / 赤；蓝; or the reference text.
    static func answer(_ question: Question) -> String {
        switch question.answer {
        case .string(let text): return QuestionText.plain(text)
        case .bool(let truth): return truth ? "对" : "错"
        case .array(let values):
            if question.type == .fill {
                return QuestionGrading.blanks(question.answer).map { $0.joined(separator: " / ") }.joined(separator: "；")
            }
            return values.compactMap { if case .string(let id) = $0 { id } else { nil } }.joined(separator: "、")
        default: return ""
        }
    }

    private static func sectionName(_ type: QuestionType) -> String {
        switch type {
        case .single: "单项选择题"
        case .multiple: "多项选择题"
        case .judge: "判断题"
        case .fill: "填空题"
        case .short: "简答题"
        case .practical: "综合实践题"
        }
    }

    // MARK: - WordprocessingML

    /// A run of text with its look.
    struct Run {
        var text: String
        var bold = false
        var underlined = false
        /// Half-points (21 is 10.5 pt, 五号).
        var size: Int?

        init(_ text: String, bold: Bool = false, underlined: Bool = false, size: Int? = nil) {
            self.text = text
            self.bold = bold
            self.underlined = underlined
            self.size = size
        }
    }

    private static func paragraph(_ body: inout XMLDocumentWriter, _ runs: [Run], centred: Bool = false, indent: Bool = false) {
        body.open("w:p")
        if centred || indent {
            body.open("w:pPr")
            if indent { body.empty("w:ind", [("w:firstLine", "420")]) }
            if centred { body.empty("w:jc", [("w:val", "center")]) }
            body.close()
        }
        for run in runs {
            body.open("w:r")
            if run.bold || run.underlined || run.size != nil {
                body.open("w:rPr")
                if run.bold { body.empty("w:b") }
                if run.underlined { body.empty("w:u", [("w:val", "single")]) }
                if let size = run.size { body.empty("w:sz", [("w:val", String(size))]) }
                body.close()
            }
            body.leaf("w:t", [("xml:space", "preserve")], run.text)
            body.close()
        }
        body.close()
    }

    private static func pageBreak(_ body: inout XMLDocumentWriter) {
        body.open("w:p")
        body.open("w:r")
        body.empty("w:br", [("w:type", "page")])
        body.close()
        body.close()
    }

    private static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>\
        <Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>\
        </Types>
        """

    private static let relationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>\
        </Relationships>
        """

    private static let documentRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """

    /// 宋体 五号 for body text, Times New Roman for Latin letters.
    private static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">\
        <w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体"/>\
        <w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>\
        <w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="320" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>\
        <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>\
        </w:styles>
        """
}
