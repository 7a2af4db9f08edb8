import GranaryModel

/// One range of a `Range: bytes=...` request header (RFC 9110 §14.1.2).
enum ByteRange {
    /// What a `Range` header asks for, given the size of the representation.
    enum Request: Equatable {
        /// No usable range: answer with the whole representation (absent, not `bytes`, or several ranges).
        case whole
        /// One satisfiable range.
        case part(ClosedRange<Int64>)
        /// Syntactically valid but outside the file: 416.
        case unsatisfiable
    }

    /// Parses the header. Several ranges are answered with the whole file, which RFC 9110 allows.
    static func parse(_ header: String?, size: Int64) -> Request {
        guard let header, header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingPrefix(" ")
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingPrefix(" ")
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // Suffix range: the last N bytes.
            guard let count = Int64(last), count >= 0 else { return .whole }
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .part(max(0, size - count)...(size - 1))
        }
        guard let start = Int64(first), start >= 0 else { return .whole }
        let end: Int64
        if last.isEmpty {
            end = size - 1
        } else {
            guard let value = Int64(last), value >= start else { return .whole }
            end = min(value, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .part(start...end)
    }
}
