import Foundation

// # Small tabular data sets: breast cancer and wine
//
// Two of scikit-learn's bundled UCI sets, the classic ill-conditioned problems of second-order
// and adaptive-step papers: their raw features span several orders of magnitude (a breast-cancer
// area is ~10³, a smoothness ~10⁻¹), so logistic regression on the unnormalised features has a
// badly conditioned Hessian. Files as shipped by scikit-learn: a first line
// `<rows>,<features>,<class names…>`, then the features and the integer label per row.

extension Datasets {
    /// The citation of the breast-cancer set, for reports.
    public static let breastCancerCitation =
        "UCI Breast Cancer Wisconsin (Diagnostic) (W. Wolberg, W. Street and O. Mangasarian, 1995), 569 tumours, " +
        "30 features, as shipped by scikit-learn; CC BY 4.0."

    /// The citation of the wine set, for reports.
    public static let wineCitation =
        "UCI Wine (M. Forina et al., 1991), 178 wines of 3 cultivars, 13 chemical features, as shipped by scikit-learn; CC BY 4.0."

    /// Wisconsin diagnostic breast cancer: 569 rows, 30 raw (unnormalised) features, labels
    /// 0 (malignant) and 1 (benign), in the file's order.
    public static func breastCancer() throws -> Dataset { try breastCancerCache.get() }

    /// UCI wine: 178 rows, 13 raw features, labels 0…2, in the file's order.
    public static func wine() throws -> Dataset { try wineCache.get() }

    private static let breastCancerCache = Result<Dataset, Error> {
        try tabular("breast_cancer", name: "breast cancer", citation: breastCancerCitation)
    }

    private static let wineCache = Result<Dataset, Error> { try tabular("wine", name: "wine", citation: wineCitation) }

    /// Parses a scikit-learn-style file: header `<rows>,<features>,<class names…>`, then rows.
    static func tabular(_ file: String, name: String, citation: String) throws -> Dataset {
        let rows = try readCSV(file)
        guard let header = rows.first, header.count >= 4, let count = Int(header[0]), let width = Int(header[1]) else {
            throw DataError("\(file).csv: unexpected header")
        }
        let classes = header.count - 2
        guard rows.count == count + 1 else { throw DataError("\(file).csv: \(rows.count - 1) rows, header says \(count)") }
        var features = [Float](), labels = [Int]()
        features.reserveCapacity(count * width)
        for (n, row) in rows.enumerated().dropFirst() {
            guard row.count == width + 1 else { throw DataError("\(file).csv line \(n + 1): \(row.count) fields, expected \(width + 1)") }
            for field in row.dropLast() {
                guard let v = Float(field) else { throw DataError("\(file).csv line \(n + 1): \"\(field)\" is not a number") }
                features.append(v)
            }
            guard let y = Int(row[width]), (0..<classes).contains(y) else { throw DataError("\(file).csv line \(n + 1): bad label \"\(row[width])\"") }
            labels.append(y)
        }
        return Dataset(name: name, features: Tensor(shape: [count, width], data: features), labels: labels,
                       classCount: classes, citation: citation)
    }
}
