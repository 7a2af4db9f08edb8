import Foundation

/// Education level of a major (层次).
public enum MajorLevel: String, Codable, Sendable, CaseIterable {
    /// 中职: secondary vocational.
    case secondary = "中职"
    /// 高职专科: higher vocational associate.
    case associate = "高职专科"
    /// 职业本科: vocational bachelor.
    case bachelor = "职业本科"
}

/// The role a major plays in this library: one core major (核心专业) and at most five served ones.
public enum MajorRole: String, Codable, Sendable {
    /// The library's core major.
    case core
    /// A major the library also serves.
    case served
}

/// Major (专业) as defined by the 2021 national catalogue.
public struct Major: Codable, Sendable, Equatable {
    /// Six-digit catalogue code, e.g. `460110`.
    public var code: String
    /// Catalogue name, e.g. 智能焊接技术.
    public var name: String
    /// Education level.
    public var level: MajorLevel
    /// Core or served.
    public var role: MajorRole

    /// Creates a major value.
    public init(code: String, name: String, level: MajorLevel, role: MajorRole) {
        self.code = code
        self.name = name
        self.level = level
        self.role = role
    }
}

/// Category of a course within its major.
public enum CourseCategory: String, Codable, Sendable, CaseIterable {
    /// 专业核心课.
    case core
    /// 专业基础课.
    case foundation
    /// 拓展课.
    case `extension`
}

/// Course (课程) of a major.
public struct Course: Codable, Sendable, Equatable {
    /// Identifier, chosen by the client or generated.
    public var id: String
    /// Course name, e.g. 焊接方法与设备.
    public var name: String
    /// Code of the major it belongs to.
    public var major: String
    /// Core, foundation or extension.
    public var category: CourseCategory
    /// Teaching hours (学时).
    public var hours: Int?
    /// Course standard text (课程标准).
    public var standard: String?

    /// Creates a course value.
    public init(id: String, name: String, major: String, category: CourseCategory, hours: Int?, standard: String?) {
        self.id = id
        self.name = name
        self.major = major
        self.category = category
        self.hours = hours
        self.standard = standard
    }
}

/// Whether a point is a knowledge point (知识点) or a skill point (技能点).
public enum PointKind: String, Codable, Sendable, CaseIterable {
    /// 知识点.
    case knowledge
    /// 技能点.
    case skill
}

/// Knowledge or skill point (知识点 / 技能点) of a course.
public struct KnowledgePoint: Codable, Sendable, Equatable {
    /// Identifier, chosen by the client or generated.
    public var id: String
    /// Name, e.g. 熔化极气体保护焊.
    public var name: String
    /// Identifier of the course it belongs to.
    public var course: String
    /// Knowledge or skill.
    public var kind: PointKind
    /// Points that should be learnt first.
    public var prerequisites: [String]

    /// Creates a point value.
    public init(id: String, name: String, course: String, kind: PointKind, prerequisites: [String]) {
        self.id = id
        self.name = name
        self.course = course
        self.kind = kind
        self.prerequisites = prerequisites
    }
}

/// One entry of the national major catalogue (职业教育专业目录 2021).
public struct CatalogueMajor: Codable, Sendable, Equatable {
    /// Six-digit code.
    public let code: String
    /// Official name.
    public let name: String
    /// Education level.
    public let level: MajorLevel
    /// Name of the category (专业大类).
    public let category: String
    /// Name of the class (专业类).
    public let className: String

    /// Creates a catalogue entry.
    public init(code: String, name: String, level: MajorLevel, category: String, className: String) {
        self.code = code
        self.name = name
        self.level = level
        self.category = category
        self.className = className
    }
}

/// Job position (职业岗位) that a major prepares learners for, with the skill points it requires.
public struct Job: Codable, Sendable, Equatable {
    /// Identifier, chosen by the client or generated.
    public var id: String
    /// Name, e.g. 焊接机器人操作员.
    public var name: String
    /// Code of the occupation in the 2022 classification (职业分类大典), e.g. `6-18-02-04`.
    public var occupationCode: String?
    /// Skill points the job requires.
    public var skills: [String]

    /// Creates a job value.
    public init(id: String, name: String, occupationCode: String?, skills: [String]) {
        self.id = id
        self.name = name
        self.occupationCode = occupationCode
        self.skills = skills
    }
}

/// One occupation of the 2022 national classification (职业分类大典).
public struct Occupation: Codable, Sendable, Equatable {
    /// Code such as `6-18-02-04`; its number of parts is the level.
    public let code: String
    /// Official name, e.g. 焊工.
    public let name: String
    /// 1 大类, 2 中类, 3 小类, 4 细类 (the occupation itself).
    public let level: Int
    /// GB/T 6565 code of a 大类, 中类 or 小类, when the classification gives one.
    public let gbCode: String?
    /// Code of the enclosing group; nil for a 大类.
    public let parent: String?

    /// Creates an occupation entry.
    public init(code: String, name: String, level: Int, gbCode: String?, parent: String?) {
        self.code = code
        self.name = name
        self.level = level
        self.gbCode = gbCode
        self.parent = parent
    }
}
