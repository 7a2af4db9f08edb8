import Foundation

/// Usage of published resources (资源使用情况) over a period: what `GET /analytics/resources` answers.
public struct ResourceAnalytics: Codable, Sendable, Equatable {
    /// How figures are grouped.
    public enum Grouping: String, Codable, Sendable, CaseIterable {
        case resource
        case course
        case kind
    }

    /// Length of one step of the time series, in Asia/Shanghai dates.
    public enum Interval: String, Codable, Sendable, CaseIterable {
        case day
        case month
    }

    /// Counts for one group or one period.
    public struct Figures: Codable, Sendable, Equatable {
        public var views: Int
        public var downloads: Int
        /// Learners marking the resource complete in an offering.
        public var completions: Int
        public var ratings: Int
        /// Mean stars of the ratings, nil without ratings.
        public var averageStars: Double?

        /// No use at all.
        public static let zero = Figures(views: 0, downloads: 0, completions: 0, ratings: 0, averageStars: nil)

        /// Creates figures.
        public init(views: Int, downloads: Int, completions: Int, ratings: Int, averageStars: Double?) {
            self.views = views
            self.downloads = downloads
            self.completions = completions
            self.ratings = ratings
            self.averageStars = averageStars
        }
    }

    /// One group: a resource, a course or a kind.
    public struct Group: Codable, Sendable, Equatable {
        public var key: String
        public var name: String
        public var figures: Figures

        /// Creates a group.
        public init(key: String, name: String, figures: Figures) {
            self.key = key
            self.name = name
            self.figures = figures
        }
    }

    /// One step of the time series.
    public struct Period: Codable, Sendable, Equatable {
        /// `2026-11` or `2026-11-29`.
        public var period: String
        public var figures: Figures

        /// Creates a period.
        public init(period: String, figures: Figures) {
            self.period = period
            self.figures = figures
        }
    }

    public var from: Date
    public var to: Date
    public var by: Grouping
    public var interval: Interval
    public var totals: Figures
    /// Distinct accounts that viewed, downloaded, completed or rated something.
    public var users: Int
    /// Groups, most used first (views + downloads + completions), paged.
    public var items: [Group]
    /// Groups in all.
    public var total: Int
    public var series: [Period]

    /// Creates the analytics.
    public init(
        from: Date,
        to: Date,
        by: Grouping,
        interval: Interval,
        totals: Figures,
        users: Int,
        items: [Group],
        total: Int,
        series: [Period]
    ) {
        self.from = from
        self.to = to
        self.by = by
        self.interval = interval
        self.totals = totals
        self.users = users
        self.items = items
        self.total = total
        self.series = series
    }
}

/// Teaching behaviour (教学行为) over a period: what `GET /analytics/teaching` answers.
public struct TeachingAnalytics: Codable, Sendable, Equatable {
    /// One teacher's or one institution's figures.
    public struct Figures: Codable, Sendable, Equatable {
        /// Resources uploaded in the period.
        public var resourcesUploaded: Int
        /// Questions written in the period.
        public var questionsWritten: Int
        /// Offerings created in the period.
        public var offeringsBuilt: Int
        /// Offerings published for the first time in the period.
        public var offeringsPublished: Int
        /// Distinct resources in the published offerings (as they stand) that belong to another course than the offering's.
        public var resourcesReusedAcrossCourses: Int
        /// Distinct resources by other authors in the published offerings.
        public var othersResourcesUsed: Int
        /// Papers of theirs with at least one attempt submitted in the period.
        public var papersGiven: Int
        /// Attempts of their papers submitted in the period.
        public var attemptsSubmitted: Int
        /// Attempts in which they graded a short or practical answer, finished in the period.
        public var attemptsGraded: Int
        /// Median hours from an attempt's submission to its last grade, over `attemptsGraded`.
        public var medianGradingHours: Double?

        /// Creates figures.
        public init(
            resourcesUploaded: Int = 0,
            questionsWritten: Int = 0,
            offeringsBuilt: Int = 0,
            offeringsPublished: Int = 0,
            resourcesReusedAcrossCourses: Int = 0,
            othersResourcesUsed: Int = 0,
            papersGiven: Int = 0,
            attemptsSubmitted: Int = 0,
            attemptsGraded: Int = 0,
            medianGradingHours: Double? = nil
        ) {
            self.resourcesUploaded = resourcesUploaded
            self.questionsWritten = questionsWritten
            self.offeringsBuilt = offeringsBuilt
            self.offeringsPublished = offeringsPublished
            self.resourcesReusedAcrossCourses = resourcesReusedAcrossCourses
            self.othersResourcesUsed = othersResourcesUsed
            self.papersGiven = papersGiven
            self.attemptsSubmitted = attemptsSubmitted
            self.attemptsGraded = attemptsGraded
            self.medianGradingHours = medianGradingHours
        }
    }

    /// One teacher (or admin) and their figures.
    public struct Teacher: Codable, Sendable, Equatable {
        public var username: String
        public var displayName: String
        public var institution: String?
        public var figures: Figures

        /// Creates a teacher's line.
        public init(username: String, displayName: String, institution: String?, figures: Figures) {
            self.username = username
            self.displayName = displayName
            self.institution = institution
            self.figures = figures
        }
    }

    /// One institution and the sum of its teachers' figures.
    public struct Institution: Codable, Sendable, Equatable {
        public var institution: String
        public var teachers: Int
        public var figures: Figures

        /// Creates an institution's line.
        public init(institution: String, teachers: Int, figures: Figures) {
            self.institution = institution
            self.teachers = teachers
            self.figures = figures
        }
    }

    public var from: Date
    public var to: Date
    public var totals: Figures
    public var byTeacher: [Teacher]
    public var byInstitution: [Institution]

    /// Creates the analytics.
    public init(from: Date, to: Date, totals: Figures, byTeacher: [Teacher], byInstitution: [Institution]) {
        self.from = from
        self.to = to
        self.totals = totals
        self.byTeacher = byTeacher
        self.byInstitution = byInstitution
    }
}
