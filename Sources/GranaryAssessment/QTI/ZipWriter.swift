import CZlib
import Foundation

/// Writes a zip archive in memory: a local header and the data for each entry, then the central directory.
///
/// Entries are deflated with zlib (raw deflate, as zip stores it) unless that does not make them smaller, in which
/// case they are stored. Names are UTF-8 and say so (general-purpose flag bit 11); times are written in China
/// Standard Time, zip's times having no zone. No Zip64: an archive that would need it (an entry or the archive
/// past 4 GiB, more than 65,535 entries) is refused.
struct ZipWriter {
    /// Why an archive cannot be written.
    enum Failure: Error, Equatable {
        /// The archive would need Zip64.
        case tooLarge
        /// zlib refused to deflate.
        case deflateFailed(Int32)
    }

    private static let utf8Flag: UInt16 = 1 << 11
    /// 2.0: deflate; the upper byte of "made by" 3 says Unix, so the external attributes carry a file mode.
    private static let versionNeeded: UInt16 = 20
    private static let versionMadeBy: UInt16 = 3 << 8 | 20
    /// A regular file, rw-r--r--.
    private static let externalAttributes = UInt32(0o100644) << 16

    /// The bytes written so far (local headers and data).
    private var bytes: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0
    private let time: UInt16
    private let date: UInt16

    /// A writer stamping every entry with `modified`.
    init(modified: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        // DOS dates start in 1980 and end in 2107.
        let year = min(max((parts.year ?? 1980) - 1980, 0), 127)
        self.date = UInt16(year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        self.time = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
    }

    /// Adds a file called `name` (a relative path with `/`) holding `contents`.
    mutating func add(_ name: String, _ contents: [UInt8]) throws(Failure) {
        let nameBytes = Array(name.utf8)
        guard self.count < 0xFFFF, contents.count < 0xFFFF_FFFF, nameBytes.count <= 0xFFFF else { throw .tooLarge }
        let crc = contents.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
        let deflated = try Self.deflated(contents)
        let (method, data): (UInt16, [UInt8]) = deflated.count < contents.count ? (8, deflated) : (0, contents)
        let offset = self.bytes.count
        guard offset + 30 + nameBytes.count + data.count < 0xFFFF_FFFF else { throw .tooLarge }

        self.bytes.append(uint32: 0x0403_4b50)
        self.bytes.append(uint16: Self.versionNeeded)
        self.bytes.append(uint16: Self.utf8Flag)
        self.bytes.append(uint16: method)
        self.bytes.append(uint16: self.time)
        self.bytes.append(uint16: self.date)
        self.bytes.append(uint32: crc)
        self.bytes.append(uint32: UInt32(data.count))
        self.bytes.append(uint32: UInt32(contents.count))
        self.bytes.append(uint16: UInt16(nameBytes.count))
        self.bytes.append(uint16: 0)
        self.bytes += nameBytes
        self.bytes += data

        self.directory.append(uint32: 0x0201_4b50)
        self.directory.append(uint16: Self.versionMadeBy)
        self.directory.append(uint16: Self.versionNeeded)
        self.directory.append(uint16: Self.utf8Flag)
        self.directory.append(uint16: method)
        self.directory.append(uint16: self.time)
        self.directory.append(uint16: self.date)
        self.directory.append(uint32: crc)
        self.directory.append(uint32: UInt32(data.count))
        self.directory.append(uint32: UInt32(contents.count))
        self.directory.append(uint16: UInt16(nameBytes.count))
        self.directory.append(uint16: 0)  // extra field
        self.directory.append(uint16: 0)  // comment
        self.directory.append(uint16: 0)  // disk
        self.directory.append(uint16: 0)  // internal attributes
        self.directory.append(uint32: Self.externalAttributes)
        self.directory.append(uint32: UInt32(offset))
        self.directory += nameBytes
        self.count += 1
    }

    /// The archive: entries, central directory and end-of-central-directory record.
    func finish() throws(Failure) -> [UInt8] {
        guard self.bytes.count + self.directory.count + 22 < 0xFFFF_FFFF else { throw .tooLarge }
        var archive = self.bytes
        archive += self.directory
        archive.append(uint32: 0x0605_4b50)
        archive.append(uint16: 0)  // this disk
        archive.append(uint16: 0)  // disk where the directory starts
        archive.append(uint16: UInt16(self.count))
        archive.append(uint16: UInt16(self.count))
        archive.append(uint32: UInt32(self.directory.count))
        archive.append(uint32: UInt32(self.bytes.count))
        archive.append(uint16: 0)  // comment
        return archive
    }

    /// `contents` as a raw deflate stream (no zlib header or trailer), at the default level.
    static func deflated(_ contents: [UInt8]) throws(Failure) -> [UInt8] {
        // zlib keeps a pointer back to the stream, so it must not move between calls: it lives on the heap.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let started = deflateInit2_(
            stream,
            Z_DEFAULT_COMPRESSION,
            Z_DEFLATED,
            -MAX_WBITS,
            8,
            Z_DEFAULT_STRATEGY,
            zlibVersion(),
            CInt(MemoryLayout<z_stream>.size)
        )
        guard started == Z_OK else { throw .deflateFailed(started) }
        defer { deflateEnd(stream) }
        let bound = Int(deflateBound(stream, uLong(contents.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var input = contents
        let result = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.pointee.next_in = inputBuffer.baseAddress
                stream.pointee.avail_in = uInt(inputBuffer.count)
                stream.pointee.next_out = outputBuffer.baseAddress
                stream.pointee.avail_out = uInt(outputBuffer.count)
                return deflate(stream, Z_FINISH)
            }
        }
        // deflateBound leaves room for the whole stream, so one call with Z_FINISH ends it.
        guard result == Z_STREAM_END else { throw .deflateFailed(result) }
        return Array(output.prefix(Int(stream.pointee.total_out)))
    }
}

extension [UInt8] {
    /// Appends `value` little-endian, as zip stores numbers.
    fileprivate mutating func append(uint16 value: UInt16) {
        self.append(UInt8(truncatingIfNeeded: value))
        self.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends `value` little-endian, as zip stores numbers.
    fileprivate mutating func append(uint32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { self.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
