import Foundation

/// What a major's course system still lacks (`GET /graph/gaps?major=`); these lists feed the monitoring report.
public struct CourseSystemGaps: Codable, Sendable, Equatable {
    /// A point, with the course it belongs to.
    public struct PointGap: Codable, Sendable, Equatable {
        /// Point id.
        public var id: String
        /// Point name.
        public var name: String
        /// Knowledge or skill.
        public var kind: PointKind
        /// Course id.
        public var course: String
        /// Course name.
        public var courseName: String

        /// Creates an entry.
        public init(id: String, name: String, kind: PointKind, course: String, courseName: String) {
            self.id = id
            self.name = name
            self.kind = kind
            self.course = course
            self.courseName = courseName
        }
    }

    /// A skill a job needs that no course of the major teaches.
    public struct SkillGap: Codable, Sendable, Equatable {
        /// Job id.
        public var job: String
        /// Job name.
        public var jobName: String
        /// Skill point id.
        public var skill: String
        /// Skill point name.
        public var skillName: String
        /// The course that teaches it elsewhere, and that course's major.
        public var course: String?
        /// Major of that course.
        public var major: String?

        /// Creates an entry.
        public init(job: String, jobName: String, skill: String, skillName: String, course: String?, major: String?) {
            self.job = job
            self.jobName = jobName
            self.skill = skill
            self.skillName = skillName
            self.course = course
            self.major = major
        }
    }

    /// A course with no points yet.
    public struct CourseGap: Codable, Sendable, Equatable {
        /// Course id.
        public var id: String
        /// Course name.
        public var name: String
        /// Core, foundation or extension.
        public var category: CourseCategory

        /// Creates an entry.
        public init(id: String, name: String, category: CourseCategory) {
            self.id = id
            self.name = name
            self.category = category
        }
    }

    /// Code of the major.
    public var major: String
    /// Points of the major's courses that have no published resource.
    public var pointsWithoutResources: [PointGap]
    /// Points of the major's courses that have no approved question.
    public var pointsWithoutQuestions: [PointGap]
    /// Skills the major's jobs require that none of its courses teaches.
    public var untaughtSkills: [SkillGap]
    /// Courses of the major without any point.
    public var coursesWithoutPoints: [CourseGap]

    /// Creates a gap list.
    public init(
        major: String,
        pointsWithoutResources: [PointGap],
        pointsWithoutQuestions: [PointGap],
        untaughtSkills: [SkillGap],
        coursesWithoutPoints: [CourseGap]
    ) {
        self.major = major
        self.pointsWithoutResources = pointsWithoutResources
        self.pointsWithoutQuestions = pointsWithoutQuestions
        self.untaughtSkills = untaughtSkills
        self.coursesWithoutPoints = coursesWithoutPoints
    }
}

/// How a job is reached through the course system (`GET /graph/jobs/{id}/path`): job → skills → courses → resources.
public struct JobPath: Codable, Sendable, Equatable {
    /// A resource that teaches a skill.
    public struct ResourceStep: Codable, Sendable, Equatable {
        /// Resource id.
        public var id: String
        /// Title.
        public var title: String
        /// Kind.
        public var kind: ResourceKind

        /// Creates an entry.
        public init(id: String, title: String, kind: ResourceKind) {
            self.id = id
            self.title = title
            self.kind = kind
        }
    }

    /// The course that teaches a skill.
    public struct CourseStep: Codable, Sendable, Equatable {
        /// Course id.
        public var id: String
        /// Course name.
        public var name: String
        /// Major code.
        public var major: String
        /// Core, foundation or extension.
        public var category: CourseCategory

        /// Creates an entry.
        public init(id: String, name: String, major: String, category: CourseCategory) {
            self.id = id
            self.name = name
            self.major = major
            self.category = category
        }
    }

    /// One required skill and how to learn it.
    public struct SkillStep: Codable, Sendable, Equatable {
        /// Point id.
        public var id: String
        /// Point name.
        public var name: String
        /// The course that teaches it.
        public var course: CourseStep?
        /// Points to learn first, by id and name.
        public var prerequisites: [PointReference]
        /// Published resources of the skill, newest first (at most `JobPath.resourcesPerSkill`).
        public var resources: [ResourceStep]
        /// How many published resources the skill has in all.
        public var resourceCount: Int

        /// Creates an entry.
        public init(
            id: String,
            name: String,
            course: CourseStep?,
            prerequisites: [PointReference],
            resources: [ResourceStep],
            resourceCount: Int
        ) {
            self.id = id
            self.name = name
            self.course = course
            self.prerequisites = prerequisites
            self.resources = resources
            self.resourceCount = resourceCount
        }
    }

    /// A point by id and name.
    public struct PointReference: Codable, Sendable, Equatable {
        /// Point id.
        public var id: String
        /// Point name.
        public var name: String

        /// Creates a reference.
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// Most resources listed per skill.
    public static let resourcesPerSkill = 10

    /// The job.
    public var job: Job
    /// Its skills in name order.
    public var skills: [SkillStep]

    /// Creates a path.
    public init(job: Job, skills: [SkillStep]) {
        self.job = job
        self.skills = skills
    }
}
