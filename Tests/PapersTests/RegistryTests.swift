import XCTest
@testable import Papers
import Harness

final class RegistryTests: XCTestCase {
    func testSlugsAreUnique() {
        let slugs = registry.map(\.info.slug)
        XCTAssertEqual(Set(slugs).count, slugs.count)
    }
}
