import Foundation
import NIOCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The small XML documents S3 answers with (listings, upload ids, errors), read into a tree of elements.
///
/// FoundationXML's parser, with external entities off; texts of leaf elements only, which is all S3 uses.
struct S3XML: Sendable, Equatable {
    let name: String
    var text: String
    var children: [S3XML]

    /// The first child called `name`.
    func child(_ name: String) -> S3XML? {
        self.children.first { $0.name == name }
    }

    /// Every child called `name`, in order.
    func children(named name: String) -> [S3XML] {
        self.children.filter { $0.name == name }
    }

    /// The root element of `buffer`.
    static func parse(_ buffer: ByteBuffer) throws -> S3XML {
        let parser = XMLParser(data: Data(buffer.readableBytesView))
        parser.shouldResolveExternalEntities = false
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw S3Error(status: 0, code: "MalformedXML", message: "the store's answer is not XML: \(String(buffer: buffer).prefix(200))")
        }
        return root
    }

    /// Text escaped for an element's content.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [S3XML] = []
        var root: S3XML?

        func parser(
            _ parser: XMLParser,
            didStartElement elementName: String,
            namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            self.stack.append(S3XML(name: elementName, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !self.stack.isEmpty else { return }
            self.stack[self.stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard var element = self.stack.popLast() else { return }
            if !element.children.isEmpty { element.text = "" }
            if self.stack.isEmpty {
                self.root = element
            } else {
                self.stack[self.stack.count - 1].children.append(element)
            }
        }
    }
}
