import Foundation

/// A major's talent training plan (专业人才培养方案), shown on the library's home page.
public struct MajorPlan: Codable, Sendable, Equatable {
    /// One course in the plan's teaching schedule.
    public struct PlannedCourse: Codable, Sendable, Equatable {
        /// Identifier of a course of the major.
        public var course: String
        /// Hours in the plan (学时).
        public var hours: Int
        /// Semester it is taught in, from 1.
        public var semester: Int
        /// Credits (学分), when the plan gives them.
        public var credits: Double?

        /// Creates a planned course.
        public init(course: String, hours: Int, semester: Int, credits: Double? = nil) {
            self.course = course
            self.hours = hours
            self.semester = semester
            self.credits = credits
        }
    }

    /// One practical training block (实践教学环节): workshop training, internship, graduation project.
    public struct Practice: Codable, Sendable, Equatable {
        /// Name, e.g. 焊接技能综合实训.
        public var name: String
        /// Semester it takes place in, from 1.
        public var semester: Int?
        /// Length in weeks.
        public var weeks: Int?
        /// Hours.
        public var hours: Int?
        /// What learners do.
        public var description: String?

        /// Creates a practice block.
        public init(name: String, semester: Int? = nil, weeks: Int? = nil, hours: Int? = nil, description: String? = nil) {
            self.name = name
            self.semester = semester
            self.weeks = weeks
            self.hours = hours
            self.description = description
        }
    }

    /// Code of the major.
    public var major: String
    /// Training goals (培养目标).
    public var goals: String
    /// Jobs the major leads to (职业面向), by job id.
    public var jobs: [String]
    /// The teaching schedule.
    public var courses: [PlannedCourse]
    /// Practical training.
    public var practice: [Practice]
    /// Graduation requirements (毕业要求), one per entry.
    public var graduation: [String]
    /// Sum of the planned courses' hours and the practice blocks' hours.
    public var totalHours: Int
    /// Who last changed the plan.
    public var updatedBy: String?
    /// When the plan last changed.
    public var updatedAt: Date?

    /// Creates a plan value.
    public init(
        major: String,
        goals: String,
        jobs: [String],
        courses: [PlannedCourse],
        practice: [Practice],
        graduation: [String],
        updatedBy: String? = nil,
        updatedAt: Date? = nil
    ) {
        self.major = major
        self.goals = goals
        self.jobs = jobs
        self.courses = courses
        self.practice = practice
        self.graduation = graduation
        self.totalHours = courses.reduce(0) { $0 + $1.hours } + practice.reduce(0) { $0 + ($1.hours ?? 0) }
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }
}
