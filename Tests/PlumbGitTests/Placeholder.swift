import XCTest
final class PlumbGitTestsPlaceholder: XCTestCase { func testBuilds() {} }
