import Foundation
import GranaryModel
import GranaryStore
import GranaryTestSupport
import Testing

@testable import GranaryAssessment

/// Formulae in questions: MathML kept from QTI, drawn by browsers, written back into QTI, and written out as text
/// where only text fits.
@Suite struct QuestionTextTests {
    static let power = #"<math xmlns="http://www.w3.org/1998/Math/MathML"><msup><mn>10</mn><mn>2</mn></msup></math>"#
    static let half = #"<math xmlns="http://www.w3.org/1998/Math/MathML"><mfrac><mn>1</mn><mn>2</mn></mfrac></math>"#

    @Test func mathMLInAQTIItemIsKeptAsMathMLAndWrittenBackValid() async throws {
        let bank = try await QTIImportTests.Bank()
        let xml = QTIImportTests.item21(
            #"<p>计算 <m:math xmlns:m="http://www.w3.org/1998/Math/MathML"><m:semantics><m:msup><m:mn>10</m:mn><m:mn>2</m:mn></m:msup><m:annotation encoding="TeX">10^2</m:annotation></m:semantics></m:math> 的值的一半</p><choiceInteraction responseIdentifier="R" maxChoices="1"><simpleChoice identifier="A">50</simpleChoice><simpleChoice identifier="B"><math xmlns="http://www.w3.org/1998/Math/MathML"><mfrac><mn>1</mn><mn>2</mn></mfrac></math></simpleChoice></choiceInteraction>"#,
            responses:
                #"<responseDeclaration identifier="R" cardinality="single" baseType="identifier"><correctResponse><value>A</value></correctResponse></responseDeclaration>"#
        )
        let report = try await bank.run(xml)
        #expect(report.failed == [])
        let question = try await bank.question(report)
        #expect(question.stem == "计算 \(Self.power) 的值的一半")
        #expect(question.options.map(\.text) == ["50", Self.half])
        #expect(QTIExport.title(of: question) == "计算 10² 的值的一半")
        for version in QTIVersion.allCases {
            let item = QTIExport.item(question, version: version)
            #expect(item.contains(Self.power) && item.contains(Self.half), "\(version)")
            #expect(try QTIExportTests.validator(.item(version)).validate(item).isEmpty, "\(version)")
            let again = try await bank.question(try await bank.run(item))
            #expect(again.stem == question.stem && again.options == question.options, "\(version)")
        }
    }

    @Test func onlyMathMLPresentationIsShownAndTheRestIsText() {
        let hostile =
            #"a<b <math><mi href="javascript:alert(1)" onclick="x" style="color:red" mathvariant="bold">x</mi><script>alert(2)</script><foreignObject>y</foreignObject></math> c"#
        #expect(
            QuestionText.html(hostile)
                == #"a&lt;b <math xmlns="http://www.w3.org/1998/Math/MathML"><mi mathvariant="bold">x</mi></math> c"#
        )
        // Not well formed: shown as the text it is.
        #expect(QuestionText.html("<math><mi>x</math>") == "&lt;math&gt;&lt;mi&gt;x&lt;/math&gt;")
        #expect(QuestionText.html("<mathematics>") == "&lt;mathematics&gt;")
        #expect(
            QuestionText.html(#"<math><mfenced open="[" close="]"><mi>a</mi></mfenced></math>"#).contains(
                "<mrow><mo>[</mo><mi>a</mi><mo>]</mo></mrow>"
            )
        )
    }

    @Test func whereOnlyTextFitsFormulaeAreWrittenOutLinearly() {
        #expect(QuestionText.plain("约 \(Self.power) 倍，取 \(Self.half)") == "约 10² 倍，取 1/2")
        let root =
            #"<math><msqrt><mn>2</mn><mi>x</mi></msqrt><mo>+</mo><mfrac><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mn>3</mn></mfrac><msub><mi>x</mi><mn>1</mn></msub></math>"#
        #expect(QuestionText.plain(root) == "√(2x)+(a+b)/3x_1")
        #expect(QuestionText.plain("没有公式") == "没有公式")
    }
}
