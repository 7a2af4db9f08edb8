import Foundation

/// Where a library's PostgreSQL database is: `postgresql://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]…]/DATABASE`.
///
/// Several hosts name a primary and its standbys in any order; the library writes to the one that accepts writes
/// and moves to another when that one goes away (after the operator promotes a standby).
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// One server.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        /// Host name or address.
        public var host: String
        /// TCP port.
        public var port: Int

        public var description: String { "\(self.host):\(self.port)" }
    }

    /// Why a location was refused.
    public struct Problem: Error, Sendable {
        /// What to fix, in words for the operator.
        public let message: String
    }

    /// The servers, in the order given.
    public var endpoints: [Endpoint]
    /// The role to log in as.
    public var username: String
    /// Its password, if the server asks for one.
    public var password: String?
    /// The database's name.
    public var database: String

    /// Parses a `postgresql://` (or `postgres://`) URL.
    public init(_ url: String) throws(Problem) {
        let usage = "expected postgresql://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE, got \(Self.redacted(url))"
        var rest: Substring
        if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else {
            throw Problem(message: usage)
        }
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        guard let slash = rest.firstIndex(of: "/") else { throw Problem(message: usage) }
        let authority = rest[..<slash]
        let name = String(rest[rest.index(after: slash)...]).removingPercentEncoding ?? ""
        guard !name.isEmpty, let at = authority.lastIndex(of: "@") else { throw Problem(message: usage) }
        let userInfo = authority[..<at]
        let hosts = authority[authority.index(after: at)...]
        if let colon = userInfo.firstIndex(of: ":") {
            self.username = String(userInfo[..<colon]).removingPercentEncoding ?? ""
            self.password = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
        } else {
            self.username = String(userInfo).removingPercentEncoding ?? ""
            self.password = nil
        }
        guard !self.username.isEmpty else { throw Problem(message: usage) }
        var endpoints: [Endpoint] = []
        for part in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard (1...2).contains(pieces.count), !pieces[0].isEmpty else { throw Problem(message: usage) }
            var port = 5432
            if pieces.count == 2 {
                guard let given = Int(pieces[1]), (1...65535).contains(given) else { throw Problem(message: usage) }
                port = given
            }
            endpoints.append(Endpoint(host: String(pieces[0]), port: port))
        }
        self.endpoints = endpoints
        self.database = name
    }

    /// The URL without its password, for logs.
    public var description: String {
        "postgresql://\(self.username)@\(self.endpoints.map(\.description).joined(separator: ","))/\(self.database)"
    }

    private static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
