import Testing

@testable import GranaryAssessment

@Suite struct XMLTreeTests {
    @Test func qti3NamesReadAsQTI2Names() {
        #expect(XMLTree.qti2Spelling("qti-choice-interaction") == "choiceInteraction")
        #expect(XMLTree.qti2Spelling("max-choices") == "maxChoices")
        #expect(XMLTree.qti2Spelling("qti-value") == "value")
        #expect(XMLTree.qti2Spelling("data-catalog-idref") == "data-catalog-idref")
        #expect(XMLTree.qti2Spelling("simpleChoice") == "simpleChoice")
    }
}
