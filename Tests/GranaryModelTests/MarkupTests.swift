import GranaryModel
import Testing

/// The one HTML and XML escaper.
@Suite struct MarkupTests {
    @Test func theFiveCharactersBecomeReferencesAndTextWithoutThemIsReturnedAsItIs() {
        #expect(Markup.escape(#"<a href="x" title='y'>焊接 & 切割</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;焊接 &amp; 切割&lt;/a&gt;")
        #expect(Markup.escape("电弧焊，熔化极（ＭＩＧ）") == "电弧焊，熔化极（ＭＩＧ）")
    }

    @Test func lineBreaksStayInContentAndBecomeReferencesInAttributes() {
        #expect(Markup.escape("一\n二\t三\r四") == "一\n二\t三&#13;四")
        #expect(Markup.escape("一\n二\t三\r四", whitespace: .referenced) == "一&#10;二&#9;三&#13;四")
    }

    @Test func charactersXMLCannotHoldAreDropped() {
        #expect(Markup.escape("a\u{0}b\u{1B}c\u{FFFE}d\u{FFFF}e\u{FFFD}f") == "abcde\u{FFFD}f")
        var bytes: [UInt8] = []
        Markup.append("x<\u{7}y", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x&lt;y")
    }
}
