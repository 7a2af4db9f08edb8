import Foundation

/// A minimal HTTP/1.1 keep-alive client over one loopback socket, so a benchmark times the service and not the
/// start of a process per request. GET only; responses must carry Content-Length.
final class BenchHTTPClient {
    private let socket: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        self.socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchError("cannot connect to port \(port)") }
        var one: Int32 = 1
        setsockopt(self.socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close(self.socket)
    }

    /// Sends a GET and returns the status code and body.
    func get(_ path: String, token: String) throws -> (status: Int, body: [UInt8]) {
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n"
        _ = request.withCString { send(self.socket, $0, strlen($0), 0) }
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = Self.find([13, 10, 13, 10], in: self.buffer)
            if headerEnd == nil { try self.receive() }
        }
        let head = String(decoding: self.buffer[..<headerEnd!], as: UTF8.self)
        let status = Int(head.split(separator: " ", maxSplits: 2)[1]) ?? 0
        let length =
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        let start = headerEnd! + 4
        while self.buffer.count < start + length { try self.receive() }
        let body = Array(self.buffer[start..<(start + length)])
        self.buffer.removeFirst(start + length)
        return (status, body)
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(self.socket, &chunk, chunk.count, 0)
        guard count > 0 else { throw BenchError("connection closed") }
        self.buffer += chunk[..<count]
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        for index in 0...(bytes.count - pattern.count) where bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
            return index
        }
        return nil
    }
}
