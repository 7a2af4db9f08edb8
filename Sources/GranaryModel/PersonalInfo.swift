import Foundation

/// What an account may tell the library about its person beyond the username: real name, mobile phone, e-mail and
/// student number, each optional. Sealed at rest with a key outside the database, shown whole only to the person,
/// masked in every list (个人信息保护法; 等保三级 数据保密性).
public struct PersonalInfo: Codable, Sendable, Equatable {
    /// 真实姓名.
    public var realName: String?
    /// 手机号: eleven digits, mainland mobile numbers (1 then 3–9).
    public var phone: String?
    /// 电子邮箱.
    public var email: String?
    /// 学号 (or 工号): letters, digits and `-`.
    public var studentNumber: String?

    public init(realName: String? = nil, phone: String? = nil, email: String? = nil, studentNumber: String? = nil) {
        self.realName = realName
        self.phone = phone
        self.email = email
        self.studentNumber = studentNumber
    }

    /// Whether nothing is known.
    public var isEmpty: Bool {
        self.realName == nil && self.phone == nil && self.email == nil && self.studentNumber == nil
    }

    /// The values checked, empty ones as nil; every field in error is named at once.
    public func validated() throws -> PersonalInfo {
        // An empty value removes the field; a name loses the spaces around it, the other fields may hold none.
        func given(_ value: String?) -> String? {
            value?.isEmpty == false ? value : nil
        }
        let info = PersonalInfo(
            realName: given(self.realName?.trimmingCharacters(in: .whitespacesAndNewlines)),
            phone: given(self.phone),
            email: given(self.email),
            studentNumber: given(self.studentNumber)
        )
        var errors: [FieldError] = []
        if let name = info.realName, name.count > 50 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.append(FieldError(field: "realName", message: LocalizedText(zh: "姓名不超过 50 个字符", en: "A name has at most 50 characters")))
        }
        if let phone = info.phone, !Self.isMobileNumber(phone) {
            errors.append(
                FieldError(field: "phone", message: LocalizedText(zh: "手机号应为 11 位数字，以 1 开头", en: "A mobile number has 11 digits and starts with 1"))
            )
        }
        if let email = info.email, !Self.isEmailAddress(email) {
            errors.append(FieldError(field: "email", message: LocalizedText(zh: "电子邮箱格式不正确", en: "Not an e-mail address")))
        }
        if let number = info.studentNumber,
            number.count > 32 || !number.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        {
            errors.append(
                FieldError(field: "studentNumber", message: LocalizedText(zh: "学号为不超过 32 位的字母、数字或连字符", en: "At most 32 letters, digits or hyphens"))
            )
        }
        guard errors.isEmpty else {
            throw GranaryError(.validationFailed, LocalizedText(zh: "个人信息有误", en: "The personal information is invalid"), errors: errors)
        }
        return info
    }

    /// The same, masked for a list: 张*明, 138****1234, z***@example.com, 2023****17.
    public var masked: PersonalInfo {
        PersonalInfo(
            realName: self.realName.map(Self.maskName),
            phone: self.phone.map { Self.maskMiddle($0, keepingFirst: 3, last: 4) },
            email: self.email.map(Self.maskEmail),
            studentNumber: self.studentNumber.map { Self.maskMiddle($0, keepingFirst: 4, last: 2) }
        )
    }

    static func isMobileNumber(_ text: String) -> Bool {
        let digits = Array(text.utf8)
        return digits.count == 11 && digits.allSatisfy { (48...57).contains($0) } && digits[0] == 49 && (51...57).contains(digits[1])
    }

    /// `local@domain.tld`: no spaces, `<>,;` or second `@`, and a domain of dot-separated labels (at least two).
    static func isEmailAddress(_ text: String) -> Bool {
        guard text.count <= 254, !text.contains(where: { $0.isWhitespace || "<>,;".contains($0) }) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    /// 张三 → 张*, 张三明 → 张*明, 欧阳小明 → 欧**明.
    static func maskName(_ name: String) -> String {
        let characters = Array(name)
        guard characters.count > 1 else { return "*" }
        guard characters.count > 2 else { return String(characters[0]) + "*" }
        return String(characters[0]) + String(repeating: "*", count: characters.count - 2) + String(characters[characters.count - 1])
    }

    /// The first and last characters kept and the middle starred (four stars, as 138****1234); a value too short to
    /// keep anything of is starred whole.
    static func maskMiddle(_ text: String, keepingFirst first: Int, last: Int) -> String {
        let characters = Array(text)
        guard characters.count > first + last else { return String(repeating: "*", count: max(4, characters.count)) }
        return String(characters.prefix(first)) + "****" + String(characters.suffix(last))
    }

    static func maskEmail(_ email: String) -> String {
        guard let at = email.firstIndex(of: "@") else { return "***" }
        return String(email[email.startIndex]) + "***" + email[at...]
    }
}
