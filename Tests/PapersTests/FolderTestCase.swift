import Foundation
import XCTest

/// A test case with a fresh temporary folder (`folder`, not yet created) removed afterwards, and
/// a reader of whole file trees for byte-for-byte comparisons.
class FolderTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(type(of: self))-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Every file under `url` (hidden ones included) with its bytes, by relative path.
    func tree(_ url: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: url.path) {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: url.appendingPathComponent(path).path, isDirectory: &isFolder)
            if !isFolder.boolValue { files[path] = FileManager.default.contents(atPath: url.appendingPathComponent(path).path) }
        }
        return files
    }
}
