/// `Content-Disposition` with a Chinese file name: the real name in `filename*` (RFC 6266, RFC 8187), and an
/// ASCII `filename` for old clients.
enum ContentDisposition {
    /// `fallbackName` must be ASCII without quotes; clients that read `filename*` never see it.
    static func header(disposition: String, fileName: String, fallbackName: String) -> String {
        "\(disposition); filename=\"\(fallbackName)\"; filename*=UTF-8''\(Self.percentEncoded(fileName))"
    }

    /// RFC 8187 `attr-char`s stay, every other byte of the UTF-8 is percent-encoded.
    private static func percentEncoded(_ text: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8)
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                out += ["%", hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return out
    }
}
