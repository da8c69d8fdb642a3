import XCTest
@testable import Harness

final class TabularDatasetsTests: XCTestCase {
    /// Shapes, class counts and the first row as in scikit-learn's files.
    func testBreastCancerAndWineLoad() throws {
        let cancer = try Datasets.breastCancer()
        XCTAssertEqual(cancer.features.shape, [569, 30])
        XCTAssertEqual(cancer.classCount, 2)
        XCTAssertEqual(cancer.labels.filter { $0 == 1 }.count, 357)
        XCTAssertEqual(cancer.features.data[0], 17.99)
        XCTAssertEqual(cancer.features.data[3], 1001)
        let wine = try Datasets.wine()
        XCTAssertEqual(wine.features.shape, [178, 13])
        XCTAssertEqual(wine.classCount, 3)
        XCTAssertEqual((0..<3).map { c in wine.labels.filter { $0 == c }.count }, [59, 71, 48])
        XCTAssertEqual(wine.features.data[12], 1065)
    }
}
