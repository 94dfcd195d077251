import PlumbController
import XCTest

final class AppKeyTests: XCTestCase {
    func testNamespaceSlashName() {
        XCTAssertEqual(AppKey("prod/web"), AppKey(namespace: "prod", name: "web"))
        XCTAssertEqual(AppKey(namespace: "prod", name: "web").description, "prod/web")
        XCTAssertNil(AppKey("web"))
        XCTAssertNil(AppKey("/web"))
        XCTAssertNil(AppKey("a/b/c"))
    }
}
