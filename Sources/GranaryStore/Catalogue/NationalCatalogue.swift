import Foundation
import GranaryModel

/// The 2021 national major catalogue (职业教育专业目录), read from `Metadata/catalogue/majors-2021.csv`.
public struct NationalCatalogue: Sendable {
    /// Every major, in catalogue order.
    public let majors: [CatalogueMajor]
    private let byCode: [String: CatalogueMajor]

    /// Reads the catalogue file: `code,name,level,category,class`, one major a line.
    public init(contentsOf path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var majors: [CatalogueMajor] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() where number > 0 {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, let level = MajorLevel(rawValue: fields[2]) else {
                throw CatalogueFileError.malformedLine(number + 1)
            }
            majors.append(CatalogueMajor(code: fields[0], name: fields[1], level: level, category: fields[3], className: fields[4]))
        }
        self.majors = majors
        self.byCode = Dictionary(majors.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The catalogue entry for a code.
    public func major(code: String) -> CatalogueMajor? {
        self.byCode[code]
    }

    /// Majors whose code or name contains `query`, optionally of one level.
    public func search(_ query: String?, level: MajorLevel?) -> [CatalogueMajor] {
        self.majors.filter { major in
            (level == nil || major.level == level)
                && (query.map { $0.isEmpty || major.code.hasPrefix($0) || major.name.contains($0) || major.className.contains($0) } ?? true)
        }
    }
}

/// The catalogue file shipped in `Metadata/` is damaged.
public enum CatalogueFileError: Error, CustomStringConvertible {
    case malformedLine(Int)

    public var description: String {
        switch self {
        case .malformedLine(let line): "majors catalogue: line \(line) is malformed"
        }
    }
}
