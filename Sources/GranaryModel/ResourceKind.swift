/// Resource kind (资源类型): the CELTS-41 media categories plus simulation.
public enum ResourceKind: String, Codable, Sendable, CaseIterable {
    /// 文本.
    case text
    /// 图形图像.
    case image
    /// 音频.
    case audio
    /// 视频.
    case video
    /// 动画.
    case animation
    /// 虚拟仿真.
    case simulation
    /// 文档 (PDF, Office).
    case document
    /// 课件 (PPT, HTML5, SCORM packages).
    case courseware
    /// 其他.
    case other

    /// The Chinese name used in canonical names and pages.
    public var chineseName: String {
        switch self {
        case .text: "文本"
        case .image: "图形图像"
        case .audio: "音频"
        case .video: "视频"
        case .animation: "动画"
        case .simulation: "虚拟仿真"
        case .document: "文档"
        case .courseware: "课件"
        case .other: "其他"
        }
    }

    /// Whether the kind counts toward the guideline's text + image ≤ 30% rule.
    public var countsAsTextOrImage: Bool { self == .text || self == .image }
}
