import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one child process (the `ssh` client) with its stdin fed from memory and its stdout
/// and stderr collected, within a deadline. Not Foundation's `Process`: many hosts are
/// reached at once, so the child must not inherit another child's pipes (an `ssh` control
/// master lives on for `ControlPersist` and would hold them open), and the blocking I/O runs
/// on its own thread, off the cooperative pool.
enum SSHProcess {
    struct Output: Sendable {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        /// The deadline passed and the child was killed.
        var timedOut: Bool
    }

    struct SpawnFailed: Error, CustomStringConvertible {
        var description: String
    }

    static func run(
        _ executable: String, _ arguments: [String], input: [UInt8], environment: [String: String],
        timeout: TimeInterval
    ) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try runBlocking(
                            executable, arguments, input: input, environment: environment, timeout: timeout)
                    })
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    // glibc's pipe2 and posix_spawn_file_actions_addclosefrom_np (2.34) are declared only
    // under _GNU_SOURCE, which Swift's Glibc module does not define: looked up by name.
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let pipe2: Pipe2? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2").map {
        unsafeBitCast($0, to: Pipe2.self)
    }
    private static let addCloseFrom: AddCloseFrom? = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"
    ).map { unsafeBitCast($0, to: AddCloseFrom.self) }
    private static let spawnLock = NSLock()

    /// A pipe whose both ends are close-on-exec.
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        fds.withUnsafeMutableBufferPointer { buffer in
            if let pipe2 { return pipe2(buffer.baseAddress!, O_CLOEXEC) == 0 }
            // Without pipe2, spawns of this type at least do not race each other.
            spawnLock.lock()
            defer { spawnLock.unlock() }
            guard pipe(buffer.baseAddress!) == 0 else { return false }
            _ = fcntl(buffer[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(buffer[1], F_SETFD, FD_CLOEXEC)
            return true
        }
    }

    /// Spawns, feeds, drains with `poll`, and reaps the child.
    static func runBlocking(
        _ executable: String, _ arguments: [String], input: [UInt8], environment: [String: String],
        timeout: TimeInterval
    ) throws -> Output {
        // Every pipe end is close-on-exec; the child gets its copies through dup2 only.
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard makePipe(&inPipe), makePipe(&outPipe), makePipe(&errPipe) else {
            for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) }
            throw SpawnFailed(description: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Descriptors other code of this process opened without close-on-exec stay here too.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A default SIGPIPE disposition for the child, whatever this process set.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for arg in argv { free(arg) }
            for entry in envp { free(entry) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw SpawnFailed(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        var inFD = inPipe[1]
        var outFD = outPipe[0]
        var errFD = errPipe[0]
        _ = fcntl(inFD, F_SETFL, fcntl(inFD, F_GETFL) | O_NONBLOCK)
        if input.isEmpty {
            close(inFD)
            inFD = -1
        }
        var written = 0
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while outFD >= 0 || errFD >= 0 {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                timedOut = true
                kill(pid, SIGKILL)
                break
            }
            var fds = [
                pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: errFD, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 3, Int32(min(remaining * 1000, 1000)) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if inFD >= 0, fds[0].revents != 0 {
                if fds[0].revents & Int16(POLLOUT) != 0 {
                    let n = input.withUnsafeBytes { raw in
                        Glibc.write(inFD, raw.baseAddress! + written, min(raw.count - written, 65536))
                    }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR { written = input.count }  // ssh closed its stdin
                } else {
                    written = input.count
                }
                if written >= input.count {
                    close(inFD)
                    inFD = -1
                }
            }
            for (index, target) in [(1, 0), (2, 1)] where fds[index].revents != 0 {
                let fd = target == 0 ? outFD : errFD
                let n = read(fd, &buffer, buffer.count)
                if n > 0 {
                    if target == 0 { stdout += buffer[0..<n] } else { stderr += buffer[0..<n] }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(fd)
                    if target == 0 { outFD = -1 } else { errFD = -1 }
                }
            }
        }
        for fd in [inFD, outFD, errFD] where fd >= 0 { close(fd) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: exitCode, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }
}
