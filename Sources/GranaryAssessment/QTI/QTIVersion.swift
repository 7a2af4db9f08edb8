/// The QTI versions Granary exports (试题交换格式版本).
public enum QTIVersion: String, Sendable, CaseIterable {
    /// QTI 2.1: camel-case elements in `imsqti_v2p1`, packaged with IMS CP 1.1.
    case v2p1 = "2.1"
    /// QTI 3.0: `qti-` kebab-case elements in `imsqtiasi_v3p0`, packaged with the QTI 3.0 profile of IMS CP.
    case v3p0 = "3.0"

    /// Namespace of an assessment item.
    public var itemNamespace: String {
        switch self {
        case .v2p1: "http://www.imsglobal.org/xsd/imsqti_v2p1"
        case .v3p0: "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
        }
    }

    /// Where the official item schema is published, for `xsi:schemaLocation` (never fetched by Granary).
    public var itemSchemaLocation: String {
        switch self {
        case .v2p1: "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
        case .v3p0: "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
        }
    }

    /// The content-package resource type of an item.
    public var itemResourceType: String {
        switch self {
        case .v2p1: "imsqti_item_xmlv2p1"
        case .v3p0: "imsqti_item_xmlv3p0"
        }
    }

    /// The URI of a standard response-processing template (`match_correct`, `map_response`, ...).
    func template(_ name: String) -> String {
        switch self {
        case .v2p1: "http://www.imsglobal.org/question/qti_v2p1/rptemplates/" + name
        case .v3p0: "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/" + name + ".xml"
        }
    }

    /// The element name of this version for a QTI 2 name: `choiceInteraction` or `qti-choice-interaction`.
    func element(_ name: String) -> String {
        switch self {
        case .v2p1: name
        case .v3p0: "qti-" + Self.kebab(name)
        }
    }

    /// The attribute name of this version for a QTI 2 name: `responseIdentifier` or `response-identifier`.
    func attribute(_ name: String) -> String {
        switch self {
        case .v2p1: name
        case .v3p0: Self.kebab(name)
        }
    }

    private static func kebab(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "-" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
