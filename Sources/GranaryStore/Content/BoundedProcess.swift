import Foundation

/// A command-line tool run as a child process that cannot outlive a deadline or flood memory.
///
/// The child reads `/dev/null`, writes its standard output into a pipe that is read until the deadline or until
/// `maximumOutput` bytes arrived, and its standard error is discarded. When either bound is reached the child is
/// killed (SIGKILL) and reaped, so a tool stuck on hostile input costs at most the deadline. Blocking: run it on
/// the thread pool. `waitpid` is only ever called for the child's own process id.
struct BoundedProcess {
    /// How the run ended.
    enum Ending: Equatable {
        /// The tool exited by itself with this status.
        case exited(CInt)
        /// The tool died of this signal, not sent by us.
        case signalled(CInt)
        /// The deadline passed; the tool was killed.
        case timedOut
        /// `maximumOutput` bytes arrived; the tool was killed.
        case outputCapped
        /// Something else in the process reaped the tool first, so its status is lost.
        case unknown
    }

    /// The standard output kept and how the run ended.
    struct Result {
        /// At most `maximumOutput` bytes.
        let output: [UInt8]
        /// Why the run stopped.
        let ending: Ending
    }

    /// Runs `command`, looked up in `PATH`, with `arguments`; nil when it cannot be started (not installed).
    static func run(_ command: String, arguments: [String], timeout: Duration, maximumOutput: Int) -> Result? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var pipeEnds: [CInt] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return nil }
        // Neither end may leak into a child spawned by another thread; the child gets the write end as its stdout.
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The service's own descriptors (sockets, the database) are none of the tool's business.
        if let addCloseFrom = Self.addCloseFrom() { _ = addCloseFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        // A thread-pool thread's mask and an ignored SIGPIPE would otherwise be inherited.
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &pipeSignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([command] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, command, &actions, &attributes, argv, environ)
        close(writeEnd)
        guard spawned == 0 else { return nil }

        var output: [UInt8] = []
        let ending = Self.collect(from: readEnd, into: &output, maximumOutput: maximumOutput, until: deadline, clock: clock)
        if ending == nil {
            switch Self.awaitExit(of: pid, until: deadline, clock: clock) {
            case .exited(let status): return Result(output: output, ending: Self.ending(status))
            // Reaped elsewhere: its id may already name another process, which must not be killed.
            case .gone: return Result(output: output, ending: .unknown)
            case .running: break
            }
        }
        kill(pid, SIGKILL)
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Result(output: output, ending: ending ?? .timedOut)
    }

    /// Reads the pipe until its end (nil), the deadline (`.timedOut`) or the cap (`.outputCapped`).
    private static func collect(
        from descriptor: CInt,
        into output: inout [UInt8],
        maximumOutput: Int,
        until deadline: ContinuousClock.Instant,
        clock: ContinuousClock
    ) -> Ending? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            if output.count >= maximumOutput { return .outputCapped }
            let left = clock.now.duration(to: deadline)
            guard left > .zero else { return .timedOut }
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waiting, 1, Self.milliseconds(left))
            // A failing poll or read is treated like the deadline: the child is killed.
            if ready < 0 && errno != EINTR { return .timedOut }
            if ready <= 0 { continue }
            let count = read(descriptor, buffer.baseAddress, min(buffer.count, maximumOutput - output.count))
            if count == 0 { return nil }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .timedOut
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    private enum Exit {
        case exited(CInt)
        case running
        case gone
    }

    /// The child's wait status once it exits, if that happens by the deadline.
    private static func awaitExit(of pid: pid_t, until deadline: ContinuousClock.Instant, clock: ContinuousClock) -> Exit {
        // Its output ended, so the child is exiting: look every millisecond, without blocking past the deadline.
        while clock.now < deadline {
            var status: CInt = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return .exited(status) }
            if result < 0 && errno != EINTR { return .gone }
            usleep(1_000)
        }
        return .running
    }

    /// WIFEXITED and friends are macros Swift does not import.
    private static func ending(_ status: CInt) -> Ending {
        status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
    }

    private static func milliseconds(_ duration: Duration) -> CInt {
        let (seconds, attoseconds) = duration.components
        return CInt(clamping: seconds * 1_000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, CInt) -> CInt

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not
    /// declare (it needs `_GNU_SOURCE`); nil on an older C library, where only close-on-exec descriptors are closed.
    private static func addCloseFrom() -> AddCloseFrom? {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }
}
