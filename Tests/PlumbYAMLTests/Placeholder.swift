import XCTest
final class PlumbYAMLTestsPlaceholder: XCTestCase { func testBuilds() {} }
