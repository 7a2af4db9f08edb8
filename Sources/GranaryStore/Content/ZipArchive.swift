import CZlib
import Foundation

/// A read-only zip archive (the container of DOCX and PPTX files), read with bounds a hostile file cannot break.
///
/// Only what Office packages need: the central directory (found from the end-of-central-directory record, Zip64
/// included), and entries stored or deflated. Every offset and length read from the file is checked against the
/// file's size before it is used, so a truncated or corrupt archive makes `init` or `read` return nil, never trap.
/// Declared sizes are never trusted for memory: entries stream through fixed buffers, at most `maximumBytes` each.
/// Not thread-safe: one archive is opened, read and closed by one task on the thread pool.
package final class ZipArchive {
    /// One file inside the archive, as its central-directory record describes it.
    package struct Entry {
        /// The entry's path, e.g. `word/document.xml`.
        package let name: String
        /// 0 stored, 8 deflated; others are not read.
        package let method: UInt16
        /// Bit 0 set means encrypted.
        package let flags: UInt16
        /// CRC-32 of the uncompressed bytes.
        package let crc32: UInt32
        /// Bytes of the entry's data in the archive.
        package let compressedSize: Int
        /// Bytes once inflated, as declared.
        package let uncompressedSize: Int
        /// Where the entry's local header starts.
        package let localHeaderOffset: Int
    }

    /// How reading an entry ended.
    package enum ReadEnd: Equatable {
        /// Every byte was delivered and the CRC-32 matched.
        case complete
        /// The consumer asked to stop.
        case stopped
        /// `maximumBytes` were delivered and the entry holds more.
        case capped
    }

    /// Central-directory records looked at; later entries are ignored.
    static let maximumEntries = 20_000
    /// Bytes of central directory read (a record is at least 46 bytes, so this covers `maximumEntries` of usual names).
    static let maximumDirectoryBytes = 4 << 20
    /// Deflate cannot do better than about 1032:1; an entry declaring more is lying about its sizes.
    static let maximumRatio = 1_032
    private static let chunkSize = 64 * 1024

    /// The entries found, in central-directory order.
    package let entries: [Entry]
    private let descriptor: CInt
    /// Where the central directory starts: every entry's data lies before it.
    private let directoryOffset: Int

    /// Opens the archive at `path`; nil when it is unreadable or not a zip archive this reader understands.
    package init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, let (offset, entries) = Self.readDirectory(descriptor: descriptor, fileSize: Int(status.st_size))
        else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.directoryOffset = offset
        self.entries = entries
    }

    deinit {
        close(self.descriptor)
    }

    /// The bytes every entry declares once inflated, added up (saturating). `read` never delivers more than an
    /// entry declares, so this bounds what reading the whole archive can cost: a zip bomb shows here before any
    /// byte is inflated.
    package var declaredInflatedBytes: Int {
        self.entries.reduce(0) { total, entry in
            let (sum, overflow) = total.addingReportingOverflow(max(0, entry.uncompressedSize))
            return overflow ? Int.max : sum
        }
    }

    /// The first entry called `name`.
    package func entry(named name: String) -> Entry? {
        self.entries.first { $0.name == name }
    }

    /// Streams the uncompressed bytes of `entry` to `consume`, chunk by chunk, at most `maximumBytes` in all;
    /// `consume` returns false to stop. Nil when the entry is encrypted, compressed with a method other than
    /// deflate, has impossible sizes or offsets, or its data is corrupt (bad deflate stream, wrong length or CRC).
    package func read(_ entry: Entry, maximumBytes: Int, into consume: (UnsafeRawBufferPointer) -> Bool) -> ReadEnd? {
        guard entry.flags & 1 == 0, maximumBytes >= 0, let dataOffset = self.dataOffset(of: entry) else { return nil }
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else { return nil }
            return self.copy(entry, from: dataOffset, maximumBytes: maximumBytes, into: consume)
        case 8:
            guard entry.uncompressedSize / Self.maximumRatio <= entry.compressedSize else { return nil }
            return self.inflate(entry, from: dataOffset, maximumBytes: maximumBytes, into: consume)
        default:
            return nil
        }
    }

    // MARK: - Entry data

    /// Where the entry's data starts, after its local header; nil unless header and data lie inside the file,
    /// before the central directory.
    private func dataOffset(of entry: Entry) -> Int? {
        guard entry.localHeaderOffset <= self.directoryOffset - 30,
            let header = Self.bytes(self.descriptor, at: entry.localHeaderOffset, count: 30),
            header.uint32(at: 0) == 0x0403_4b50
        else { return nil }
        let start = entry.localHeaderOffset + 30 + Int(header.uint16(at: 26)) + Int(header.uint16(at: 28))
        guard entry.compressedSize <= self.directoryOffset - start else { return nil }
        return start
    }

    private func copy(_ entry: Entry, from offset: Int, maximumBytes: Int, into consume: (UnsafeRawBufferPointer) -> Bool) -> ReadEnd? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 1)
        defer { buffer.deallocate() }
        var crc = crc32(0, nil, 0)
        var done = 0
        while done < entry.compressedSize {
            if done == maximumBytes { return .capped }
            let wanted = min(Self.chunkSize, entry.compressedSize - done, maximumBytes - done)
            guard Self.readFully(self.descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: offset + done)
            else { return nil }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<wanted])
            crc = crc32(crc, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(wanted))
            done += wanted
            guard consume(chunk) else { return .stopped }
        }
        return UInt32(truncatingIfNeeded: crc) == entry.crc32 ? .complete : nil
    }

    private func inflate(_ entry: Entry, from offset: Int, maximumBytes: Int, into consume: (UnsafeRawBufferPointer) -> Bool) -> ReadEnd? {
        // zlib keeps a pointer back to the stream, so it must not move between calls: it lives on the heap.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 1)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 1)
        defer {
            stream.deallocate()
            input.deallocate()
            output.deallocate()
        }
        // Negative window bits: a raw deflate stream, as zip stores it (no zlib header or trailer).
        guard inflateInit2_(stream, -MAX_WBITS, zlibVersion(), CInt(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(stream) }

        var crc = crc32(0, nil, 0)
        var consumed = 0
        var delivered = 0
        while true {
            if stream.pointee.avail_in == 0 && consumed < entry.compressedSize {
                let wanted = min(Self.chunkSize, entry.compressedSize - consumed)
                guard Self.readFully(self.descriptor, into: UnsafeMutableRawBufferPointer(rebasing: input[0..<wanted]), at: offset + consumed)
                else { return nil }
                stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(wanted)
                consumed += wanted
            }
            stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(Self.chunkSize)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return nil }
            let produced = Self.chunkSize - Int(stream.pointee.avail_out)
            // More bytes than declared: the directory lies, and the entry is corrupt.
            guard produced <= entry.uncompressedSize - delivered else { return nil }
            if produced > 0 {
                let kept = min(produced, maximumBytes - delivered)
                let chunk = UnsafeRawBufferPointer(rebasing: output[0..<kept])
                crc = crc32(crc, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(kept))
                delivered += kept
                guard consume(chunk) else { return .stopped }
                if kept < produced || (delivered == maximumBytes && status != Z_STREAM_END) { return .capped }
            }
            if status == Z_STREAM_END {
                return delivered == entry.uncompressedSize && UInt32(truncatingIfNeeded: crc) == entry.crc32 ? .complete : nil
            }
            // No progress possible: the data ended before the deflate stream did.
            if produced == 0 && stream.pointee.avail_in == 0 && consumed == entry.compressedSize { return nil }
        }
    }

    // MARK: - Central directory

    /// The central directory's offset and its entries; nil when the end records or any record is malformed.
    private static func readDirectory(descriptor: CInt, fileSize: Int) -> (Int, [Entry])? {
        // The end record is 22 bytes plus a comment of at most 65,535 bytes, at the very end of the file.
        let tailSize = min(fileSize, 22 + 0xFFFF)
        guard tailSize >= 22, let tail = Self.bytes(descriptor, at: fileSize - tailSize, count: tailSize) else { return nil }
        var found: Int?
        var position = tailSize - 22
        while position >= 0 {
            if tail.uint32(at: position) == 0x0605_4b50 && position + 22 + Int(tail.uint16(at: position + 20)) <= tailSize {
                found = position
                break
            }
            position -= 1
        }
        guard let end = found else { return nil }
        let endOffset = fileSize - tailSize + end
        var count = Int(tail.uint16(at: end + 10))
        var size = Int(tail.uint32(at: end + 12))
        var offset = Int(tail.uint32(at: end + 16))
        var directoryEnd = endOffset
        guard tail.uint16(at: end + 4) == 0 || tail.uint16(at: end + 4) == 0xFFFF else { return nil }  // multi-disk archives
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            guard let zip64 = Self.zip64End(descriptor, before: endOffset) else { return nil }
            (count, size, offset, directoryEnd) = zip64
        }
        guard offset >= 0, size >= 0, offset <= directoryEnd, size <= directoryEnd - offset else { return nil }
        let readSize = min(size, Self.maximumDirectoryBytes)
        guard let directory = Self.bytes(descriptor, at: offset, count: readSize) else { return nil }

        var entries: [Entry] = []
        var cursor = 0
        while entries.count < min(count, Self.maximumEntries) && cursor + 46 <= readSize {
            guard directory.uint32(at: cursor) == 0x0201_4b50 else { return nil }
            let nameLength = Int(directory.uint16(at: cursor + 28))
            let extraLength = Int(directory.uint16(at: cursor + 30))
            let commentLength = Int(directory.uint16(at: cursor + 32))
            let recordEnd = cursor + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= readSize else {
                // A record cut by the read cap is simply not looked at; cut by the directory's own end, it is corrupt.
                if readSize < size { break }
                return nil
            }
            var compressed = Int(directory.uint32(at: cursor + 20))
            var uncompressed = Int(directory.uint32(at: cursor + 24))
            var localOffset = Int(directory.uint32(at: cursor + 42))
            let extra = cursor + 46 + nameLength
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                let range = extra..<extra + extraLength
                guard let values = Self.zip64Values(directory, extra: range, replacing: [uncompressed, compressed, localOffset]) else { return nil }
                (uncompressed, compressed, localOffset) = (values[0], values[1], values[2])
            }
            guard localOffset < offset, compressed <= offset else { return nil }
            let name = String(decoding: directory[cursor + 46..<cursor + 46 + nameLength], as: UTF8.self)
            entries.append(
                Entry(
                    name: name,
                    method: directory.uint16(at: cursor + 10),
                    flags: directory.uint16(at: cursor + 8),
                    crc32: directory.uint32(at: cursor + 16),
                    compressedSize: compressed,
                    uncompressedSize: uncompressed,
                    localHeaderOffset: localOffset
                )
            )
            cursor = recordEnd
        }
        return (offset, entries)
    }

    /// Entry count, directory size and offset from the Zip64 end record, and where that record starts.
    private static func zip64End(_ descriptor: CInt, before endOffset: Int) -> (Int, Int, Int, Int)? {
        guard endOffset >= 20, let locator = Self.bytes(descriptor, at: endOffset - 20, count: 20), locator.uint32(at: 0) == 0x0706_4b50
        else { return nil }
        let recordOffset = locator.uint64(at: 8)
        guard recordOffset <= UInt64(endOffset - 20), Int(recordOffset) + 56 <= endOffset - 20,
            let record = Self.bytes(descriptor, at: Int(recordOffset), count: 56), record.uint32(at: 0) == 0x0606_4b50
        else { return nil }
        let count = record.uint64(at: 32)
        let size = record.uint64(at: 40)
        let offset = record.uint64(at: 48)
        guard count <= UInt64(Int.max), size <= recordOffset, offset <= recordOffset else { return nil }
        return (Int(count), Int(size), Int(offset), Int(recordOffset))
    }

    /// `values` (uncompressed size, compressed size, local header offset) with each one whose 32-bit field is all
    /// ones replaced from the Zip64 extra field (id 1), which holds 64-bit values for exactly those, in this order.
    private static func zip64Values(_ directory: [UInt8], extra: Range<Int>, replacing values: [Int]) -> [Int]? {
        var cursor = extra.lowerBound
        while cursor + 4 <= extra.upperBound {
            let id = directory.uint16(at: cursor)
            let length = Int(directory.uint16(at: cursor + 2))
            let body = cursor + 4
            guard body + length <= extra.upperBound else { return nil }
            if id == 1 {
                var field = body
                var values = values
                for index in values.indices where values[index] == 0xFFFF_FFFF {
                    guard field + 8 <= body + length else { return nil }
                    let value = directory.uint64(at: field)
                    guard value <= UInt64(Int.max) else { return nil }
                    values[index] = Int(value)
                    field += 8
                }
                return values
            }
            cursor = body + length
        }
        return nil
    }

    // MARK: - File access

    /// `count` bytes at `offset`, or nil if the file holds fewer.
    private static func bytes(_ descriptor: CInt, at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0 else { return nil }
        var ok = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            ok = Self.readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = ok ? count : 0
        }
        return ok ? bytes : nil
    }

    /// Fills `buffer` from `offset`; false on an error or if the file ends first.
    private static func readFully(_ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return false }
            done += result
        }
        return true
    }
}

extension [UInt8] {
    /// Little-endian integers at a byte position the caller has checked.
    fileprivate func uint16(at index: Int) -> UInt16 {
        UInt16(self[index]) | UInt16(self[index + 1]) << 8
    }

    fileprivate func uint32(at index: Int) -> UInt32 {
        UInt32(self.uint16(at: index)) | UInt32(self.uint16(at: index + 2)) << 16
    }

    fileprivate func uint64(at index: Int) -> UInt64 {
        UInt64(self.uint32(at: index)) | UInt64(self.uint32(at: index + 4)) << 32
    }
}
