import Foundation
import GranaryModel

/// A course's questions as a Word document for printing an exam (试卷): a title, the questions in sections by type
/// (一、单选题（共 4 题，8 分）), each numbered, options lettered, blanks as underlined gaps and a line to write on
/// for short and practical questions; then, on a new page, 参考答案与评分标准 with each answer, its analysis and the
/// rubric. The document is WordprocessingML that Word, WPS and LibreOffice open; Chinese text is set in 宋体.
/// Pictures a question shows are drawn in place (DrawingML, at their own size up to the text's width); a sound or
/// a film, which paper cannot hold, stays its marker.
enum WordExport {
    /// `files` holds the bytes of the questions' pictures by SHA-256.
    static func document(_ questions: [Question], title: String, created: Date, files: [String: [UInt8]] = [:]) throws -> [UInt8] {
        var body = XMLDocumentWriter()
        body.open(
            "w:document",
            [
                ("xmlns:w", "http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
                ("xmlns:r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
                ("xmlns:wp", "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"),
                ("xmlns:a", "http://schemas.openxmlformats.org/drawingml/2006/main"),
                ("xmlns:pic", "http://schemas.openxmlformats.org/drawingml/2006/picture"),
            ]
        )
        var pictures = Pictures(bytes: files)
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
                Self.question(question, number: number, pictures: &pictures, into: &body)
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
                for line in QTIExport.paragraphs("解析：" + QuestionText.plain(analysis)) {
                    Self.paragraph(&body, pictures.runs(line, of: question), indent: true)
                }
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
            try zip.add("[Content_Types].xml", Array(pictures.contentTypes().utf8))
            try zip.add("_rels/.rels", Array(Self.relationships.utf8))
            try zip.add("word/document.xml", Array(body.finish().utf8))
            try zip.add("word/styles.xml", Array(Self.styles.utf8))
            try zip.add("word/_rels/document.xml.rels", Array(pictures.relationships().utf8))
            for picture in pictures.placed { try zip.add("word/" + picture.target, files[picture.sha256] ?? []) }
            return try zip.finish()
        } catch {
            throw GranaryError(.payloadTooLarge, LocalizedText(zh: "题库过大，无法生成 Word 文档", en: "The bank is too large for a Word document"))
        }
    }

    // MARK: - Questions

    private static func question(_ question: Question, number: Int, pictures: inout Pictures, into body: inout XMLDocumentWriter) {
        let lines = QTIExport.paragraphs(QuestionText.plain(question.stem))
        for (index, line) in lines.enumerated() {
            var runs: [Run] = index == 0 ? [.init("\(number). ")] : []
            if question.type == .fill {
                for (position, piece) in line.components(separatedBy: "____").enumerated() {
                    if position > 0 { runs.append(.init("\u{3000}\u{3000}\u{3000}\u{3000}", underlined: true)) }
                    runs += pictures.runs(piece, of: question)
                }
            } else {
                runs += pictures.runs(line, of: question)
            }
            if index == lines.count - 1 { runs.append(.init("（\(QTIExport.number(question.score)) 分）", size: 18)) }
            Self.paragraph(&body, runs)
        }
        switch question.type {
        case .single, .multiple:
            for option in question.options {
                Self.paragraph(
                    &body,
                    pictures.runs("\(option.id). \(QTIExport.oneLine(QuestionText.plain(option.text)))", of: question),
                    indent: true
                )
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
        /// A picture drawn instead of text.
        var picture: Pictures.Placed?

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
            if let picture = run.picture {
                Self.drawing(picture, into: &body)
            } else {
                body.leaf("w:t", [("xml:space", "preserve")], run.text)
            }
            body.close()
        }
        body.close()
    }

    /// An inline DrawingML picture.
    private static func drawing(_ picture: Pictures.Placed, into body: inout XMLDocumentWriter) {
        let extent = [("cx", String(picture.width)), ("cy", String(picture.height))]
        body.open("w:drawing")
        body.open("wp:inline", [("distT", "0"), ("distB", "0"), ("distL", "0"), ("distR", "0")])
        body.empty("wp:extent", extent)
        body.empty("wp:docPr", [("id", String(picture.number)), ("name", picture.name), ("descr", picture.name)])
        body.open("a:graphic")
        body.open("a:graphicData", [("uri", "http://schemas.openxmlformats.org/drawingml/2006/picture")])
        body.open("pic:pic")
        body.open("pic:nvPicPr")
        body.empty("pic:cNvPr", [("id", String(picture.number)), ("name", picture.name)])
        body.empty("pic:cNvPicPr")
        body.close()
        body.open("pic:blipFill")
        body.empty("a:blip", [("r:embed", picture.relationship)])
        body.open("a:stretch")
        body.empty("a:fillRect")
        body.close()
        body.close()
        body.open("pic:spPr")
        body.open("a:xfrm")
        body.empty("a:off", [("x", "0"), ("y", "0")])
        body.empty("a:ext", extent)
        body.close()
        body.open("a:prstGeom", [("prst", "rect")])
        body.empty("a:avLst")
        body.close()
        body.close()
        body.close()
        body.close()
        body.close()
        body.close()
        body.close()
    }

    private static func pageBreak(_ body: inout XMLDocumentWriter) {
        body.open("w:p")
        body.open("w:r")
        body.empty("w:br", [("w:type", "page")])
        body.close()
        body.close()
    }

    private static let relationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>\
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

    /// The pictures placed in the document: each file once, a part `media/imageN.ext` with a relationship.
    struct Pictures {
        /// One picture file in the document.
        struct Placed {
            let sha256: String
            let name: String
            /// `media/image3.png`, from `word/`.
            let target: String
            let relationship: String
            /// The drawing's number (`docPr` id), distinct in the document.
            let number: Int
            /// Size in EMU (914,400 an inch).
            let width: Int
            let height: Int
        }

        let bytes: [String: [UInt8]]
        private(set) var placed: [Placed] = []
        private var drawings = 0

        init(bytes: [String: [UInt8]]) {
            self.bytes = bytes
        }

        /// Text runs of `line` with each picture of `question` it shows drawn in place; other markers stay text.
        mutating func runs(_ line: String, of question: Question) -> [Run] {
            guard !question.attachments.isEmpty else { return [Run(line)] }
            return Question.Attachment.pieces(of: line).map { piece in
                switch piece {
                case .text(let words): return Run(words)
                case .file(let word, let name):
                    guard let file = question.attachments.first(where: { $0.name == name }), let picture = self.place(file) else {
                        return Run("[\(word)：\(name)]")
                    }
                    var run = Run("")
                    run.picture = picture
                    return run
                }
            }
        }

        /// The picture of `file`, placed once; nil for what is no picture Word draws or whose bytes are missing.
        private mutating func place(_ file: Question.Attachment) -> Placed? {
            guard let ext = Self.extensions[file.mime], let bytes = self.bytes[file.sha256] else { return nil }
            self.drawings += 1
            let (pixelsWide, pixelsHigh) = ImageSize.pixels(of: bytes) ?? (320, 240)
            // 96 pixels an inch; at most the text's width (6.27 in on A4 with 1 in margins less a little).
            let scale = min(1, 5_486_400 / Double(max(pixelsWide, 1) * 9_525))
            let width = Int(Double(pixelsWide * 9_525) * scale)
            let height = Int(Double(pixelsHigh * 9_525) * scale)
            if let known = self.placed.first(where: { $0.sha256 == file.sha256 }) {
                return Placed(
                    sha256: known.sha256,
                    name: file.name,
                    target: known.target,
                    relationship: known.relationship,
                    number: self.drawings,
                    width: width,
                    height: height
                )
            }
            let number = self.placed.count + 1
            let picture = Placed(
                sha256: file.sha256,
                name: file.name,
                target: "media/image\(number).\(ext)",
                relationship: "rIdImage\(number)",
                number: self.drawings,
                width: width,
                height: height
            )
            self.placed.append(picture)
            return picture
        }

        static let extensions = ["image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/bmp": "bmp", "image/tiff": "tiff"]

        func contentTypes() -> String {
            let types = Set(self.placed.compactMap { $0.target.split(separator: ".").last.map(String.init) }).sorted()
            return """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                <Default Extension="xml" ContentType="application/xml"/>\
                \(types.map { "<Default Extension=\"\($0)\" ContentType=\"image/\($0)\"/>" }.joined())\
                <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>\
                <Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>\
                </Types>
                """
        }

        func relationships() -> String {
            let pictures = self.placed.map {
                "<Relationship Id=\"\($0.relationship)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"\($0.target)\"/>"
            }
            return """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                \(pictures.joined())\
                </Relationships>
                """
        }
    }
}
