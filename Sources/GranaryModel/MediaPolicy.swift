/// What Granary accepts as a resource's bytes, and which kind (资源类型) the bytes make it.
///
/// The MIME type comes from libmagic; the file name a client sends is never trusted.
public enum MediaPolicy {
    /// MIME types of programs. libmagic names the same ELF differently from a buffer and from a file,
    /// so every name it uses is listed.
    static let refusedTypes: Set<String> = [
        "application/x-executable",
        "application/x-pie-executable",
        "application/x-sharedlib",
        "application/x-object",
        "application/x-mach-binary",
        "application/x-dosexec",
        "application/x-msdownload",
        "application/vnd.microsoft.portable-executable",
        "application/x-msi",
        "application/x-elf",
        "application/x-coredump",
        "application/java-archive",
        "application/x-java-applet",
        "application/vnd.android.package-archive",
        "text/x-shellscript",
        "application/x-shellscript",
        "text/x-msdos-batch",
        "application/x-bytecode.python",
    ]

    /// Whether bytes of this MIME type are refused (415).
    public static func isRefused(mime: String) -> Bool {
        refusedTypes.contains(mime)
    }

    private static let documentTypes: Set<String> = [
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/rtf",
        "text/rtf",
        "application/epub+zip",
    ]

    private static let coursewareTypes: Set<String> = [
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.presentation",
        "text/html",
        "application/xhtml+xml",
    ]

    private static let animationTypes: Set<String> = ["application/x-shockwave-flash", "video/x-flv"]

    /// The kind the bytes make a resource.
    public static func kind(forMIME mime: String) -> ResourceKind {
        if self.animationTypes.contains(mime) { return .animation }
        if mime.hasPrefix("video/") { return .video }
        if mime.hasPrefix("audio/") { return .audio }
        if mime.hasPrefix("image/") { return .image }
        if self.documentTypes.contains(mime) { return .document }
        if self.coursewareTypes.contains(mime) { return .courseware }
        if mime.hasPrefix("text/") || mime == "application/json" { return .text }
        return .other
    }

    /// Kinds a teacher may declare for bytes of this MIME type: the derived kind, plus the kinds the same
    /// container honestly holds (an MP4 may be an animation, a zip may be an HTML5 simulation; a PNG is never a video).
    public static func allowedKinds(forMIME mime: String) -> Set<ResourceKind> {
        let derived = self.kind(forMIME: mime)
        switch derived {
        case .video: return [.video, .animation, .simulation]
        case .image:
            let moving: Set<String> = ["image/gif", "image/webp", "image/svg+xml", "image/apng"]
            return moving.contains(mime) ? [.image, .animation] : [.image]
        case .document: return mime == "application/pdf" ? [.document, .courseware] : [.document]
        case .courseware: return [.courseware, .animation, .simulation]
        case .animation: return [.animation, .simulation]
        case .other:
            let packages: Set<String> = ["application/zip", "application/x-7z-compressed", "application/x-rar", "application/gzip"]
            return packages.contains(mime) ? [.other, .courseware, .simulation, .animation] : [.other]
        case .text, .audio, .simulation: return [derived]
        }
    }

    private static let extensions: [String: String] = [
        "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/svg+xml": "svg",
        "image/bmp": "bmp", "image/x-ms-bmp": "bmp", "image/tiff": "tif",
        "video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov", "video/x-msvideo": "avi",
        "video/x-matroska": "mkv", "video/mpeg": "mpg", "video/x-flv": "flv", "video/3gpp": "3gp",
        "audio/mpeg": "mp3", "audio/x-wav": "wav", "audio/wav": "wav", "audio/ogg": "ogg", "audio/flac": "flac",
        "audio/x-m4a": "m4a", "audio/mp4": "m4a", "audio/aac": "aac",
        "application/pdf": "pdf", "application/msword": "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "application/vnd.ms-excel": "xls", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
        "application/vnd.ms-powerpoint": "ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
        "application/vnd.oasis.opendocument.text": "odt", "application/vnd.oasis.opendocument.spreadsheet": "ods",
        "application/vnd.oasis.opendocument.presentation": "odp", "application/rtf": "rtf", "text/rtf": "rtf",
        "application/epub+zip": "epub",
        "text/plain": "txt", "text/html": "html", "application/xhtml+xml": "xhtml", "text/xml": "xml",
        "application/xml": "xml", "text/csv": "csv", "text/markdown": "md", "application/json": "json",
        "application/zip": "zip", "application/x-7z-compressed": "7z", "application/x-rar": "rar", "application/gzip": "gz",
        "application/x-shockwave-flash": "swf",
    ]

    /// The file extension a canonical name gets for this MIME type.
    public static func fileExtension(forMIME mime: String) -> String {
        self.extensions[mime] ?? "bin"
    }
}
