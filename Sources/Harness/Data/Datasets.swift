import Foundation

// # Real data sets shipped with the package
//
// The CSV files live in `Sources/Harness/Resources/data` (uncompressed, because Foundation on
// Linux cannot gunzip) and are read through `Bundle.module`. Each is parsed once per process
// and cached; the loaders return copies (value types), so callers may modify them freely.

/// A data file that is missing or malformed.
public struct DataError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Loaders for the real data sets bundled with the harness.
public enum Datasets {
    /// The citation of the 8x8 digits, for reports.
    public static let digitsCitation =
        "UCI Optical Recognition of Handwritten Digits (E. Alpaydin and C. Kaynak, 1998), the 1,797-image " +
        "8x8 set as shipped by scikit-learn 1.9.1 (`load_digits`); CC BY 4.0."

    /// The citation of MNIST-1D, for reports.
    public static let mnist1dCitation =
        "MNIST-1D (S. Greydanus and D. Kobak, \"Scaling down deep learning with MNIST-1D\", ICML 2024), " +
        "generated with the `mnist1d` package 0.0.2.post1 (Apache-2.0) with default arguments (seed 42): " +
        "4,000 training and 1,000 test signals of length 40."

    /// The 8x8 handwritten digits: 1,797 images, 64 pixel features with integer values 0...16
    /// (not rescaled), labels 0...9, in the file's order.
    public static func digits() throws -> Dataset { try digitsCache.get() }

    /// MNIST-1D with the file's own train (4,000) / test (1,000) split: 40 real features, labels 0...9.
    public static func mnist1d() throws -> (train: Dataset, test: Dataset) { try mnist1dCache.get() }

    private static let digitsCache = Result<Dataset, Error> {
        let rows = try readCSV("digits")
        var features = [Float](), labels = [Int]()
        features.reserveCapacity(rows.count * 64)
        for (n, row) in rows.enumerated() {
            guard row.count == 65 else { throw DataError("digits.csv line \(n + 1): \(row.count) fields, expected 65") }
            for field in row.dropLast() { features.append(try number(field, "digits.csv", n)) }
            labels.append(try label(row[64], "digits.csv", n))
        }
        return Dataset(name: "digits", features: Tensor(shape: [labels.count, 64], data: features),
                       labels: labels, classCount: 10, citation: digitsCitation)
    }

    private static let mnist1dCache = Result<(train: Dataset, test: Dataset), Error> {
        let rows = try readCSV("mnist1d")
        guard let header = rows.first, header.count == 42, header[0] == "split", header[1] == "label" else {
            throw DataError("mnist1d.csv: unexpected header")
        }
        var x: [String: [Float]] = ["train": [], "test": []], y: [String: [Int]] = ["train": [], "test": []]
        for (n, row) in rows.enumerated().dropFirst() {
            guard row.count == 42 else { throw DataError("mnist1d.csv line \(n + 1): \(row.count) fields, expected 42") }
            let part = String(row[0])
            guard x[part] != nil else { throw DataError("mnist1d.csv line \(n + 1): unknown split \(part)") }
            y[part]!.append(try label(row[1], "mnist1d.csv", n))
            for field in row[2...] { x[part]!.append(try number(field, "mnist1d.csv", n)) }
        }
        func make(_ part: String) -> Dataset {
            Dataset(name: "mnist1d/" + part, features: Tensor(shape: [y[part]!.count, 40], data: x[part]!),
                    labels: y[part]!, classCount: 10, citation: mnist1dCitation)
        }
        return (make("train"), make("test"))
    }

    /// The comma-separated fields of every non-empty line of `Resources/data/<name>.csv`.
    static func readCSV(_ name: String) throws -> [[Substring]] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "data") else {
            throw DataError("data file \(name).csv is missing from the Harness bundle")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            return l.isEmpty ? nil : l.split(separator: ",", omittingEmptySubsequences: false)
        }
    }

    private static func number(_ s: Substring, _ file: String, _ line: Int) throws -> Float {
        // `Float(_: Substring)` is locale-independent and correctly rounded.
        guard let v = Float(s) else { throw DataError("\(file) line \(line + 1): \"\(s)\" is not a number") }
        return v
    }

    private static func label(_ s: Substring, _ file: String, _ line: Int) throws -> Int {
        guard let v = Int(s), (0..<10).contains(v) else { throw DataError("\(file) line \(line + 1): bad label \"\(s)\"") }
        return v
    }
}
