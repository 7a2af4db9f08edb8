/// Which page of a list a client asks for: `?page=1&pageSize=20`, at most 100 a page.
public struct PageRequest: Sendable, Equatable {
    /// One-based page number.
    public let page: Int
    /// Items per page.
    public let pageSize: Int

    /// The largest page a client may ask for.
    public static let maximumPageSize = 100
    /// The largest page number: far past any real list, small enough that no offset overflows.
    public static let maximumPage = 1_000_000

    /// Checks and builds a page request from query values (nil means the default).
    public init(page: String?, pageSize: String?) throws(GranaryError) {
        var errors: [FieldError] = []
        let number = page.map { Int($0) } ?? 1
        let size = pageSize.map { Int($0) } ?? 20
        if number == nil || !(1...Self.maximumPage).contains(number!) {
            errors.append(
                FieldError(field: "page", message: LocalizedText(zh: "页码应为 1–1000000 的整数", en: "page must be an integer from 1 to 1000000"))
            )
        }
        if size == nil || !(1...Self.maximumPageSize).contains(size!) {
            errors.append(FieldError(field: "pageSize", message: LocalizedText(zh: "每页条数应为 1–100", en: "pageSize must be 1 to 100")))
        }
        guard errors.isEmpty, let number, let size else {
            throw GranaryError(.invalidQuery, LocalizedText(zh: "分页参数有误", en: "Invalid paging parameters"), errors: errors)
        }
        self.page = number
        self.pageSize = size
    }

    /// A page request from known-good numbers.
    public init(page: Int = 1, pageSize: Int = 20) {
        self.page = min(max(1, page), Self.maximumPage)
        self.pageSize = min(max(1, pageSize), Self.maximumPageSize)
    }

    /// Rows to skip.
    public var offset: Int { (self.page - 1) * self.pageSize }
}

/// One page of a list: `{"items":[...],"total":N,"page":1,"pageSize":20}`.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    /// The items of this page.
    public let items: [Item]
    /// How many items the whole list holds.
    public let total: Int
    /// One-based page number.
    public let page: Int
    /// Items per page.
    public let pageSize: Int

    /// Creates a page.
    public init(items: [Item], total: Int, request: PageRequest) {
        self.items = items
        self.total = total
        self.page = request.page
        self.pageSize = request.pageSize
    }
}
