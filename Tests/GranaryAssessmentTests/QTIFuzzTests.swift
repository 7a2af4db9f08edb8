import Foundation
import GranaryModel
import GranaryStore
import Testing

@testable import GranaryAssessment

/// A seeded fuzzer for the QTI importer: items of all six types in QTI 2.1, 2.2 and 3.0 and content packages
/// holding them (deflated, as the exporter writes them) are mutated (bytes flipped, markup inserted, elements
/// renamed or cut, entities, the zip's directory and deflate streams damaged) and imported. Every input gives a
/// report or a `GranaryError`: no crash, no trap, no other error, and the intact seeds still import.
///
/// It runs for `GRANARY_FUZZ_SECONDS` (default 3, and at least `minimumCases` inputs) from `GRANARY_FUZZ_SEED` (default fixed); a failure names
/// the seed and the case, and the same seed replays it.
@Suite struct QTIFuzzTests {
    static let seconds = ProcessInfo.processInfo.environment["GRANARY_FUZZ_SECONDS"].flatMap(Double.init) ?? 3
    static let seed = ProcessInfo.processInfo.environment["GRANARY_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_129
    static let minimumCases = 300

    /// Markup that QTI readers trip on.
    static let fragments: [String] = [
        "<", ">", "&", "&amp;", "&#0;", "&#xD800;", "&lt;", "<![CDATA[", "]]>", "<!--", "-->", "<?xml version=\"1.0\"?>",
        "<!DOCTYPE a>", "<!ENTITY x \"y\">", "&x;", "\"", "'", "=", "</", "/>", "<value>", "</value>", "<simpleChoice identifier=\"Z\">",
        "<choiceInteraction responseIdentifier=\"RESPONSE\" maxChoices=\"0\">", "<correctResponse>", "<mapEntry mapKey=\"A\" mappedValue=\"NaN\"/>",
        "cardinality=\"multiple\"", "baseType=\"float\"", "maxChoices=\"-1\"", "identifier=\"\"", "xmlns=\"\"", "qti-", "1e308", "-0",
        String(repeating: "<div>", count: 300), "\u{0}", "\u{FFFE}", "😀", "焊接",
    ]
    /// Bytes that mean something to XML, UTF-8 or zip.
    static let interesting: [UInt8] = [0, 0xFF, 0x3C, 0x3E, 0x26, 0x22, 0x80, 0x50, 0x4B]
    static let names = [
        "choiceInteraction", "simpleChoice", "textEntryInteraction", "extendedTextInteraction", "responseDeclaration", "correctResponse",
        "value", "itemBody", "assessmentItem", "qti-choice-interaction", "qti-simple-choice", "rubricBlock", "outcomeDeclaration",
    ]

    static func mutate(_ input: [UInt8], _ random: inout TestBanks.Generator, isPackage: Bool) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + Int(random.next() % 6)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % (isPackage ? 5 : 8) {
            case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1) << UInt8(random.next() % 8)
            case 1 where !bytes.isEmpty: bytes[position] = Self.interesting[Int(random.next() % UInt64(Self.interesting.count))]
            case 2 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + 1 + Int(random.next() % 64)))
            case 3: bytes = Array(bytes.prefix(position))
            case 4 where bytes.count >= 4:
                // Little-endian sizes and offsets in a zip: a large or negative-looking number somewhere.
                let at = min(position, bytes.count - 4)
                let top: UInt8 = random.next() % 2 == 0 ? 0x7F : 0xFF
                bytes.replaceSubrange(at..<(at + 4), with: [0xFF, 0xFF, 0xFF, top])
            case 5: bytes.insert(contentsOf: Array(Self.fragments[Int(random.next() % UInt64(Self.fragments.count))].utf8), at: position)
            case 6:
                // Rename an element: every occurrence of one name becomes another.
                let text = String(decoding: bytes, as: UTF8.self)
                let from = Self.names[Int(random.next() % UInt64(Self.names.count))]
                let to = Self.names[Int(random.next() % UInt64(Self.names.count))]
                bytes = Array(text.replacingOccurrences(of: from, with: to).utf8)
            default:
                let length = min(bytes.count - position, 1 + Int(random.next() % 300))
                bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
            }
        }
        return bytes
    }

    @Test func anyItemOrPackageImportsOrIsRefusedWithAReason() async throws {
        let bank = try await QTIImportTests.Bank()
        var items: [[UInt8]] = []
        var packages: [[UInt8]] = []
        for version in QTIVersion.allCases {
            var package = ContentPackage(version: version, title: "焊接题库", created: Date(timeIntervalSince1970: 1_790_000_000))
            for input in QTIRoundTripTests.inputs {
                let question = try await bank.questions.create(input, author: bank.teacher)
                items.append(Array(QTIExport.item(question, version: version, courseName: "焊接方法与设备", pointNames: ["arc": "焊接电弧"]).utf8))
                package.add(question, major: .init(id: "460110", name: "智能焊接技术"), course: .init(id: "weld", name: "焊接方法与设备"))
            }
            packages.append(try package.archive())
        }
        for seed in items + packages {
            let report = try await bank.run(seed)
            #expect(report.failed == [], "an intact seed failed: \(report.failed)")
        }

        var random = TestBanks.Generator(Self.seed)
        let deadline = Date().addingTimeInterval(Self.seconds)
        var cases = 0
        var imported = 0
        var refused = 0
        // At least `minimumCases`, however busy the machine, so a run always covers the same ground first.
        while cases < Self.minimumCases || Date() < deadline {
            cases += 1
            let isPackage = random.next() % 3 == 0
            let pool = isPackage ? packages : items
            let input = Self.mutate(pool[Int(random.next() % UInt64(pool.count))], &random, isPackage: isPackage)
            let context = "seed \(Self.seed), case #\(cases) (\(isPackage ? "package" : "item"), \(input.count) bytes)"
            // The parser alone, as the importer calls it, most of the time; the whole import (zip, database) too.
            if !isPackage, random.next() % 4 != 0 {
                do throws(XMLTree.Failure) {
                    let tree = try XMLTree.parse(input)
                    _ = try QTIItemReader.read(tree)
                } catch {
                    #expect(!error.reason.isEmpty, "\(context)")
                }
                continue
            }
            do {
                let report = try await bank.run(input)
                imported += report.imported.count
                #expect(report.failed.allSatisfy { !$0.reason.isEmpty }, "\(context)")
            } catch let error as GranaryError {
                refused += 1
                #expect(!error.detail.zh.isEmpty, "\(context): \(error.code)")
            } catch {
                Issue.record("\(context): unexpected \(error)")
            }
        }
        print("QTI fuzz: \(cases) inputs, \(imported) questions imported, \(refused) refused whole; seed \(Self.seed), \(Self.seconds) s")
        #expect(cases > 0)
    }
}
