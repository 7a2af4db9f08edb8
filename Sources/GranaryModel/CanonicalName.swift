/// The uniform naming rule (统一命名规则): 专业_课程_知识点_类型_原创/引用.ext.
public enum CanonicalName {
    /// Builds the canonical name from the names (not the ids) of the resource's major, course and first point.
    public static func make(
        major: String,
        course: String,
        knowledgePoint: String,
        kind: ResourceKind,
        original: Bool,
        fileExtension: String
    ) -> String {
        let parts = [major, course, knowledgePoint, kind.chineseName, original ? "原创" : "引用"].map(self.clean)
        return parts.joined(separator: "_") + "." + fileExtension
    }

    /// Keeps a part usable in every file system and unambiguous: the separator `_`, path and shell
    /// characters and white space become `-`.
    static func clean(_ part: String) -> String {
        let unsafe: Set<Character> = ["_", "/", "\\", ":", "*", "?", "\"", "<", ">", "|", "\0"]
        var out = ""
        var lastWasDash = false
        for character in part.trimmingSpaces() {
            let replaced =
                unsafe.contains(character) || character.isWhitespace || character.isNewline || character.asciiValue.map { $0 < 0x20 } == true
            if replaced {
                if !lastWasDash { out.append("-") }
                lastWasDash = true
            } else {
                out.append(character)
                lastWasDash = false
            }
        }
        return out.isEmpty ? "-" : out
    }
}

extension String {
    /// The string without leading and trailing white space.
    func trimmingSpaces() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }
}
