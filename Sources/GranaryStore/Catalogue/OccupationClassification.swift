import Foundation
import GranaryModel

/// The 2022 national occupation classification (职业分类大典), read from `Metadata/occupations/occupations-2022.csv`.
///
/// The file comes from an OCR of the printed classification, so reading it is lenient: a code written with a
/// full-width digit, a letter O for a zero or a dash of another kind is repaired, and a line that still makes no
/// sense, repeats a code or names a missing parent is set aside and reported in `problems` instead of stopping
/// the service.
public struct OccupationClassification: Sendable {
    /// Every occupation and group, in classification order.
    public let entries: [Occupation]
    /// What was repaired or set aside while reading, one sentence each.
    public let problems: [String]
    private let byCode: [String: Int]

    /// Reads the classification file: `code,name,level,gbCode,parent`, one entry a line.
    public init(contentsOf path: String) throws {
        try self.init(text: String(contentsOfFile: path, encoding: .utf8))
    }

    /// Reads the classification from the text of its file.
    public init(text: String) {
        var entries: [Occupation] = []
        var byCode: [String: Int] = [:]
        var problems: [String] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() where number > 0 {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let lineNumber = number + 1
            guard fields.count == 5, !fields[1].isEmpty else {
                problems.append("line \(lineNumber): expected code,name,level,gbCode,parent; set aside")
                continue
            }
            let code = Self.normalizedCode(fields[0])
            guard let level = Self.level(of: code) else {
                problems.append("line \(lineNumber): '\(fields[0])' is not an occupation code; set aside")
                continue
            }
            if code != fields[0] { problems.append("line \(lineNumber): code '\(fields[0])' read as \(code)") }
            if Int(fields[2]) != level { problems.append("line \(lineNumber): level \(fields[2]) does not match code \(code); using \(level)") }
            guard byCode[code] == nil else {
                problems.append("line \(lineNumber): code \(code) repeats an earlier line; set aside")
                continue
            }
            let parent = level == 1 ? nil : String(code[..<code.lastIndex(of: "-")!])
            if let parent, byCode[parent] == nil {
                problems.append("line \(lineNumber): \(code) has no enclosing group \(parent) before it")
            }
            byCode[code] = entries.count
            entries.append(Occupation(code: code, name: fields[1], level: level, gbCode: fields[3].isEmpty ? nil : fields[3], parent: parent))
        }
        self.entries = entries
        self.byCode = byCode
        self.problems = problems
    }

    /// The entry for a code, after the same repairs the file gets (`6－18－02－O4` finds 焊工).
    public func occupation(code: String) -> Occupation? {
        self.byCode[Self.normalizedCode(code)].map { self.entries[$0] }
    }

    /// Entries whose code starts with `query` or whose name contains it, optionally of one level.
    public func search(_ query: String?, level: Int?) -> [Occupation] {
        let query = query?.trimmingCharacters(in: .whitespaces) ?? ""
        let code = Self.normalizedCode(query)
        return self.entries.filter { entry in
            (level == nil || entry.level == level) && (query.isEmpty || entry.code.hasPrefix(code) || entry.name.contains(query))
        }
    }

    /// The code with OCR slips repaired: full-width digits, O/o for 0, l/I for 1, and any dash or dot for `-`.
    static func normalizedCode(_ raw: String) -> String {
        var code = ""
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "0"..."9": code.unicodeScalars.append(scalar)
            case "０"..."９": code.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case "O", "o", "〇": code.append("0")
            case "l", "I": code.append("1")
            case "-", "－", "—", "–", "‐", ".", "．", "_": code.append("-")
            case " ", "\u{3000}": continue
            default: code.unicodeScalars.append(scalar)
            }
        }
        return code
    }

    /// 1 for `6`, 2 for `6-18`, 3 for `6-18-02`, 4 for `6-18-02-04`; nil for anything else.
    static func level(of code: String) -> Int? {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count), parts[0].count == 1,
            parts.dropFirst().allSatisfy({ $0.count == 2 }),
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        return parts.count
    }
}
