import XCTest
final class PlumbCLITestsPlaceholder: XCTestCase { func testBuilds() {} }
