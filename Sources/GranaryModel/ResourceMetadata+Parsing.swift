import Foundation

extension ResourceMetadata {
    /// Reads upload metadata, reporting every missing required field (专业名称、课程名称、知识点、是否原创) at once.
    ///
    /// With `base`, the document is a partial change (PATCH): absent fields keep their value, `null` clears an
    /// optional field, and the result must still hold every required field.
    public static func parse(_ data: Data, base: ResourceMetadata? = nil) throws(GranaryError) -> ResourceMetadata {
        let object = try JSONValue.parseObject(data, what: LocalizedText(zh: "元数据", en: "The metadata"))
        var missing: [FieldError] = []
        var invalid: [FieldError] = []

        func requiredString(_ field: String, _ zh: String, _ current: String?) -> String {
            switch object[field] {
            case .none where current != nil: return current!
            case .string(let value) where !value.trimmingSpaces().isEmpty: return String(value.trimmingSpaces())
            case .none, .null, .string:
                missing.append(FieldError(field: field, message: LocalizedText(zh: "缺少\(zh)", en: "\(field) is required")))
            default:
                invalid.append(FieldError(field: field, message: LocalizedText(zh: "\(zh)应为文本", en: "\(field) must be a string")))
            }
            return ""
        }
        func optionalString(_ field: String, _ zh: String, _ current: String?) -> String? {
            switch object[field] {
            case .none: return current
            case .null: return nil
            case .string(let value): return value.isEmpty ? nil : value
            default:
                invalid.append(FieldError(field: field, message: LocalizedText(zh: "\(zh)应为文本", en: "\(field) must be a string")))
                return nil
            }
        }
        func stringArray(_ field: String, _ zh: String, _ current: [String]?) -> [String]? {
            switch object[field] {
            case .none: return current
            case .null: return nil
            case .array(let values):
                var strings: [String] = []
                for (index, value) in values.enumerated() {
                    guard case .string(let string) = value, !string.isEmpty else {
                        invalid.append(
                            FieldError(
                                field: "\(field)[\(index)]",
                                message: LocalizedText(zh: "\(zh)的每一项应为非空文本", en: "each entry must be a non-empty string")
                            )
                        )
                        continue
                    }
                    if !strings.contains(string) { strings.append(string) }
                }
                return strings
            default:
                invalid.append(FieldError(field: field, message: LocalizedText(zh: "\(zh)应为数组", en: "\(field) must be an array")))
                return []
            }
        }

        let title = requiredString("title", "标题", base?.title)
        let major = requiredString("major", "专业名称（major）", base?.major)
        let course = requiredString("course", "课程名称（course）", base?.course)
        let points = stringArray("knowledgePoints", "知识（技能）点", base?.knowledgePoints) ?? []
        if points.isEmpty && !invalid.contains(where: { $0.field.hasPrefix("knowledgePoints") }) {
            missing.append(
                FieldError(
                    field: "knowledgePoints",
                    message: LocalizedText(zh: "至少需要一个知识（技能）点", en: "at least one knowledge or skill point is required")
                )
            )
        }
        var original = base?.original ?? false
        switch object["original"] {
        case .none where base != nil: break
        case .bool(let value): original = value
        case .none, .null:
            missing.append(FieldError(field: "original", message: LocalizedText(zh: "缺少是否原创", en: "original is required")))
        default:
            invalid.append(FieldError(field: "original", message: LocalizedText(zh: "是否原创应为 true 或 false", en: "original must be true or false")))
        }
        var kind = base?.kind
        switch object["kind"] {
        case .none: break
        case .null: kind = nil
        case .string(let value) where ResourceKind(rawValue: value) != nil: kind = ResourceKind(rawValue: value)
        default:
            let names = ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")
            invalid.append(FieldError(field: "kind", message: LocalizedText(zh: "资源类型应为 \(names) 之一", en: "kind must be one of \(names)")))
        }
        let description = optionalString("description", "描述", base?.description)
        let license = optionalString("license", "许可", base?.license)
        let source = optionalString("source", "来源", base?.source)
        let tags = stringArray("tags", "标签", base?.tags) ?? []

        if !missing.isEmpty {
            let names = missing.map(\.field).joined(separator: ", ")
            throw GranaryError(
                .missingMetadata,
                LocalizedText(zh: "缺少必填元数据：\(names)", en: "Required metadata is missing: \(names)"),
                errors: missing + invalid
            )
        }
        if !invalid.isEmpty {
            let names = invalid.map(\.field).joined(separator: ", ")
            throw GranaryError(.invalidMetadata, LocalizedText(zh: "元数据有误：\(names)", en: "Invalid metadata: \(names)"), errors: invalid)
        }
        return ResourceMetadata(
            title: title,
            description: description,
            major: major,
            course: course,
            knowledgePoints: points,
            original: original,
            kind: kind,
            license: license,
            tags: tags,
            source: source
        )
    }
}
