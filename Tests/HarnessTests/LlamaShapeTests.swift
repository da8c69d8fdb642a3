import XCTest
@testable import Harness

/// The LLaMA shapes against their published parameter counts, and the byte helpers by hand.
final class LlamaShapeTests: XCTestCase {
    func testParameterCountsMatchThePublishedModels() {
        XCTAssertEqual(LlamaShape.llama7B.parameters, 6_738_415_616)  // LLaMA-7B, untied embeddings
        XCTAssertEqual(LlamaShape.llama60M.parameters, 58_073_600)    // GaLore's "60M" (58.07M)
        XCTAssertEqual(LlamaShape.llama7B.matrices.count, 7)
    }

    func testByteHelpers() {
        XCTAssertEqual(LlamaShape.eightBit(256), 260)   // 256 bytes and one fp32 absmax
        XCTAssertEqual(LlamaShape.eightBit(257), 265)   // a second, partial block
        XCTAssertEqual(LlamaShape.llama60M.adamState, 4 * 58_073_600)
    }
}
