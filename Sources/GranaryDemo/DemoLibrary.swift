import Foundation
import GranaryModel
import GranaryStore

/// A small, real-looking library for trying Granary: the 高职专科 core major 460110 智能焊接技术 with four courses,
/// sixteen knowledge and skill points, three jobs, a talent plan, a served major 460305 工业机器人技术 with one course,
/// a dozen resources of several kinds in several review states, and one user
/// of each role.
public enum DemoLibrary {
    /// A demo account, its password, and for the roles that must log in with two steps its authenticator secret.
    public struct Login: Sendable {
        public let username: String
        public let password: String
        public let role: Role
        /// Base32; public like the password, so a newcomer and the browser tests can make the codes.
        public var totpSecret: String? = nil
    }

    /// The demo accounts. The password and secrets are public: the demo is for trying the service, not for real data.
    public static let logins: [Login] = [
        Login(username: "admin", password: "granary-demo", role: .admin, totpSecret: "GRANARYDEMOTOTPADMIN234567ABCDEF"),
        Login(username: "zhang.laoshi", password: "granary-demo", role: .teacher),
        Login(username: "li.laoshi", password: "granary-demo", role: .teacher),
        Login(username: "wang.shenhe", password: "granary-demo", role: .reviewer, totpSecret: "GRANARYDEMOTOTPREVIEWER234567ABC"),
        Login(username: "xuesheng", password: "granary-demo", role: .learner),
        Login(username: "anquan", password: "granary-demo", role: .security, totpSecret: "GRANARYDEMOTOTPSECURITY234567ABC"),
        Login(username: "shenji", password: "granary-demo", role: .auditor, totpSecret: "GRANARYDEMOTOTPAUDITOR234567ABCD"),
    ]

    private static let displayNames = [
        "admin": "管理员", "zhang.laoshi": "张老师", "li.laoshi": "李老师", "wang.shenhe": "王审核", "xuesheng": "学生小陈", "anquan": "安全管理员", "shenji": "审计管理员",
    ]

    /// Loads the demo into an empty library. Returns false (and changes nothing) when the library already has accounts.
    ///
    /// Eight resources and eight questions are published through `approve(type, id, reviewer)`, which the caller
    /// makes a real review decision (the review queue lives above this module).
    @discardableResult
    public static func load(into library: Library, approve: (ReviewItemType, String, User) async throws -> Void) async throws -> Bool {
        guard try await library.accounts.isEmpty() else { return false }
        var users: [String: User] = [:]
        for login in self.logins {
            users[login.username] = try await library.accounts.createUser(
                username: login.username,
                password: login.password,
                displayName: self.displayNames[login.username],
                role: login.role,
                institution: "示范职业技术学院",
                actor: "demo",
                // The demo's password is public by design (printed, in the README): no policy makes it secret.
                checkingPolicy: false
            )
            if let secret = login.totpSecret.flatMap(Base32.decode) {
                _ = try await library.accounts.enrolTwoFactor(username: login.username, secret: TOTP(secret: secret), actor: "demo")
            }
        }
        _ = try await library.accounts.setInstitution(name: "示范职业技术学院", role: .host, actor: users["admin"]!)
        let admin = users["admin"]!.username
        let catalogue = library.catalogue
        _ = try await catalogue.createMajor(code: "460110", name: nil, level: .associate, role: .core, actor: admin)

        let courses: [(String, String, CourseCategory, Int)] = [
            ("weld-methods", "焊接方法与设备", .core, 96),
            ("weld-structure", "焊接结构生产", .core, 64),
            ("weld-inspection", "焊接质量检验", .core, 64),
            ("mech-drawing", "机械制图", .foundation, 72),
        ]
        for (id, name, category, hours) in courses {
            _ = try await catalogue.createCourse(
                id: id,
                name: name,
                major: "460110",
                category: category,
                hours: hours,
                standard: "《\(name)》课程标准：掌握本课程的核心知识与技能，能在实训中规范操作。",
                actor: admin
            )
        }
        let points: [(String, String, String, PointKind, [String])] = [
            ("arc", "焊接电弧", "weld-methods", .knowledge, []),
            ("smaw", "焊条电弧焊", "weld-methods", .skill, ["arc"]),
            ("gmaw", "熔化极气体保护焊", "weld-methods", .skill, ["arc"]),
            ("gtaw", "钨极氩弧焊", "weld-methods", .skill, ["arc"]),
            ("saw", "埋弧焊", "weld-methods", .knowledge, ["arc"]),
            ("safety", "焊接安全防护", "weld-methods", .knowledge, []),
            ("distortion", "焊接变形与应力", "weld-structure", .knowledge, []),
            ("wps", "焊接工艺评定", "weld-structure", .knowledge, []),
            ("fitup", "装配与定位焊", "weld-structure", .skill, ["smaw"]),
            ("card", "焊接工艺卡编制", "weld-structure", .skill, ["wps"]),
            ("visual", "外观检验", "weld-inspection", .skill, []),
            ("rt", "射线检测", "weld-inspection", .knowledge, []),
            ("ut", "超声检测", "weld-inspection", .skill, []),
            ("defects", "焊接缺陷识别", "weld-inspection", .knowledge, ["visual"]),
            ("views", "三视图", "mech-drawing", .knowledge, []),
            ("symbols", "焊缝符号标注", "mech-drawing", .skill, ["views"]),
        ]
        for (id, name, course, kind, prerequisites) in points {
            _ = try await catalogue.createPoint(id: id, name: name, course: course, kind: kind, prerequisites: prerequisites, actor: admin)
        }

        // A served major whose robot-programming skill the welding jobs also need: the gap list shows it.
        _ = try await catalogue.createMajor(code: "460305", name: nil, level: .associate, role: .served, actor: admin)
        _ = try await catalogue.createCourse(
            id: "robot-programming",
            name: "工业机器人编程",
            major: "460305",
            category: .core,
            hours: 64,
            standard: nil,
            actor: admin
        )
        _ = try await catalogue.createPoint(
            id: "teach-pendant",
            name: "机器人示教编程",
            course: "robot-programming",
            kind: .skill,
            prerequisites: [],
            actor: admin
        )
        let jobs: [(String, String, String, [String])] = [
            ("welder", "焊工", "6-18-02-04", ["smaw", "gmaw", "gtaw", "fitup"]),
            ("ndt-inspector", "无损检测员", "6-31-03-04", ["visual", "ut", "symbols"]),
            ("weld-robot-operator", "焊接机器人操作员", "6-31-07-03", ["gmaw", "card", "teach-pendant"]),
        ]
        for (id, name, code, skills) in jobs {
            _ = try await catalogue.createJob(id: id, name: name, occupationCode: code, skills: skills, actor: admin)
        }
        _ = try await catalogue.savePlan(
            MajorPlan(
                major: "460110",
                goals: "培养德智体美劳全面发展，掌握焊接方法、焊接结构生产与质量检验知识，具备焊接工艺编制、焊接操作与焊接机器人应用能力，"
                    + "面向金属制品、通用设备制造等行业的高素质技术技能人才。",
                jobs: jobs.map(\.0),
                courses: [
                    .init(course: "mech-drawing", hours: 72, semester: 1, credits: 4),
                    .init(course: "weld-methods", hours: 96, semester: 2, credits: 6),
                    .init(course: "weld-structure", hours: 64, semester: 3, credits: 4),
                    .init(course: "weld-inspection", hours: 64, semester: 4, credits: 4),
                ],
                practice: [
                    .init(name: "焊接技能综合实训", semester: 4, weeks: 4, hours: 112, description: "焊条电弧焊、熔化极气体保护焊板对接与管对接"),
                    .init(name: "岗位实习", semester: 6, weeks: 24, hours: 576, description: "在合作企业焊接岗位顶岗实习"),
                ],
                graduation: ["修满 140 学分", "取得焊工职业技能等级证书（中级）", "完成毕业设计并通过答辩"]
            ),
            actor: admin
        )

        enum Fate { case published, pending, draft }
        let resources: [(String, String, String, [String], Bool, ResourceKind?, [UInt8], String, Fate)] = [
            (
                "焊接电弧的物理本质", "weld-methods", "zhang.laoshi", ["arc"], true, nil,
                DemoMedia.text("焊接电弧是在两电极之间的气体介质中产生的强烈而持久的放电现象。\n电弧由阴极区、弧柱区和阳极区组成，弧柱温度可达 5000–8000 K。\n"), "讲义", .published
            ),
            (
                "CO2 气体保护焊操作要领", "weld-methods", "zhang.laoshi", ["gmaw"], true, nil,
                DemoMedia.html(title: "CO2 气体保护焊操作要领", body: "<p>调整焊接电流与电压匹配，保持干伸长 10–15 mm，匀速摆动焊枪。</p>"), "课件", .published
            ),
            (
                "焊缝坡口示意图", "weld-methods", "zhang.laoshi", ["smaw"], true, nil,
                DemoMedia.svg(title: "V 形坡口对接", animated: false), "图片", .published
            ),
            (
                "熔滴过渡动画", "weld-methods", "zhang.laoshi", ["gmaw"], true, .animation,
                DemoMedia.svg(title: "短路过渡", animated: true), "动画", .published
            ),
            (
                "电弧声音辨别训练", "weld-methods", "li.laoshi", ["smaw"], true, nil,
                DemoMedia.wav(seconds: 1.5, frequency: 440), "音频", .published
            ),
            (
                "焊接安全防护须知", "weld-methods", "li.laoshi", ["safety"], false, nil,
                DemoMedia.pdf(line: "Welding safety: eye, skin, fume and fire protection"), "文档", .published
            ),
            (
                "焊接变形的控制方法", "weld-structure", "zhang.laoshi", ["distortion"], true, nil,
                DemoMedia.html(title: "焊接变形的控制方法", body: "<p>反变形法、刚性固定法、合理的焊接顺序。</p>"), "课件", .published
            ),
            (
                "焊接工艺评定报告样例", "weld-structure", "li.laoshi", ["wps", "card"], true, nil,
                DemoMedia.pdf(line: "Welding procedure qualification record (PQR) sample"), "文档", .published
            ),
            (
                "超声检测仪器调校", "weld-inspection", "li.laoshi", ["ut"], true, nil,
                DemoMedia.wav(seconds: 1.0, frequency: 880), "音频", .pending
            ),
            (
                "常见焊接缺陷图谱", "weld-inspection", "zhang.laoshi", ["defects"], false, nil,
                DemoMedia.png(width: 96, height: 64, seed: 40), "图片", .pending
            ),
            (
                "射线检测底片评定", "weld-inspection", "zhang.laoshi", ["rt"], true, nil,
                DemoMedia.pdf(line: "Radiographic film interpretation"), "文档", .draft
            ),
            (
                "焊缝符号标注练习", "mech-drawing", "li.laoshi", ["symbols"], true, nil,
                DemoMedia.html(title: "焊缝符号标注练习", body: "<p>在三视图上标注角焊缝与对接焊缝符号。</p>"), "课件", .draft
            ),
        ]
        for (title, course, author, points, original, kind, bytes, tag, fate) in resources {
            let upload = try await library.blobs.beginUpload(containing: bytes)
            let metadata = ResourceMetadata(
                title: title,
                description: "\(title)（示例资源）",
                major: "460110",
                course: course,
                knowledgePoints: points,
                original: original,
                kind: kind,
                license: original ? "CC BY-NC 4.0" : nil,
                tags: [tag],
                source: original ? nil : "行业公开资料"
            )
            let resource = try await library.resources.create(metadata: metadata, file: upload, author: users[author]!)
            let id = resource.id
            if fate != .draft {
                _ = try await library.resources.submit(id: id, actor: users[author]!)
            }
            if fate == .published {
                try await approve(.resource, id, users["wang.shenhe"]!)
            }
        }
        try await self.loadQuestions(into: library, author: users["zhang.laoshi"]!, reviewer: users["wang.shenhe"]!, approve: approve)
        return true
    }

    /// A small published question bank for 焊接方法与设备: every type, so papers can be assembled from it.
    private static func loadQuestions(
        into library: Library,
        author: User,
        reviewer: User,
        approve: (ReviewItemType, String, User) async throws -> Void
    ) async throws {
        let choices: [Question.Option] = [
            .init(id: "A", text: "阴极区、弧柱区、阳极区"),
            .init(id: "B", text: "熔池、热影响区、母材"),
            .init(id: "C", text: "焊丝、焊剂、保护气"),
        ]
        let gases: [Question.Option] = [
            .init(id: "A", text: "CO2"), .init(id: "B", text: "Ar"), .init(id: "C", text: "O2"), .init(id: "D", text: "N2"),
        ]
        let inputs: [QuestionStore.Input] = [
            .init(
                course: "weld-methods",
                knowledgePoints: ["arc"],
                type: .single,
                difficulty: 2,
                stem: "焊接电弧由哪三个区域组成？",
                options: choices,
                answer: .string("A"),
                analysis: .some("电弧沿长度方向分为阴极区、弧柱区和阳极区。"),
                score: 2
            ),
            .init(
                course: "weld-methods",
                knowledgePoints: ["gmaw"],
                type: .multiple,
                difficulty: 3,
                stem: "熔化极气体保护焊常用的保护气体有哪些？",
                options: gases,
                answer: .array([.string("A"), .string("B")]),
                analysis: .some("CO2 与 Ar 及其混合气最常用。"),
                score: 3
            ),
            .init(
                course: "weld-methods",
                knowledgePoints: ["arc"],
                type: .judge,
                difficulty: 1,
                stem: "焊接电弧是一种气体放电现象。",
                answer: .bool(true),
                score: 1
            ),
            .init(
                course: "weld-methods",
                knowledgePoints: ["gmaw"],
                type: .fill,
                difficulty: 3,
                stem: "CO2 焊的焊丝干伸长一般为 ____ mm。",
                answer: .array([.array([.string("10-15"), .string("10～15")])]),
                score: 2
            ),
            .init(
                course: "weld-methods",
                knowledgePoints: ["safety"],
                type: .judge,
                difficulty: 1,
                stem: "焊接作业时可以不戴面罩短时观察电弧。",
                answer: .bool(false),
                analysis: .some("弧光中的紫外线会灼伤眼睛，必须佩戴面罩。"),
                score: 1
            ),
            .init(
                course: "weld-methods",
                knowledgePoints: ["smaw"],
                type: .single,
                difficulty: 2,
                stem: "焊条电弧焊引弧常用的方法是？",
                options: [.init(id: "A", text: "划擦法与直击法"), .init(id: "B", text: "高频引弧"), .init(id: "C", text: "接触短路提升")],
                answer: .string("A"),
                score: 2
            ),
            .init(
                course: "weld-methods",
                knowledgePoints: ["safety", "arc"],
                type: .short,
                difficulty: 3,
                stem: "简述焊接烟尘的危害及防护措施。",
                answer: .string("危害呼吸系统；采用局部排烟、佩戴防尘口罩、保持通风。"),
                score: 5
            ),
            .init(
                course: "weld-methods",
                knowledgePoints: ["gmaw", "smaw"],
                type: .practical,
                difficulty: 4,
                stem: "完成 Q235 钢板 8 mm 厚 V 形坡口平对接焊，单面焊双面成形。",
                answer: .string("焊缝成形良好、无未焊透、无咬边。"),
                rubric: [.init(criterion: "焊前准备与装配", points: 3), .init(criterion: "焊缝外观成形", points: 4), .init(criterion: "安全文明生产", points: 3)],
                score: 10
            ),
        ]
        let questions = QuestionStore(database: library.database)
        for input in inputs {
            let question = try await questions.create(input, author: author)
            _ = try await questions.submit(id: question.id, actor: author)
            try await approve(.question, question.id, reviewer)
        }
    }
}
