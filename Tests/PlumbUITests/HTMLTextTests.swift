import XCTest

@testable import PlumbUI

final class HTMLTextTests: XCTestCase {
    func testMarkupFromACommitMessageBecomesText() {
        XCTAssertEqual(
            HTMLText.escape(#"fix <script>alert("x")</script> & 'quotes'"#),
            "fix &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;")
    }

    func testPlainTextIsUnchanged() {
        XCTAssertEqual(HTMLText.escape("web-7d4b9 ✓ Synced"), "web-7d4b9 ✓ Synced")
    }
}
