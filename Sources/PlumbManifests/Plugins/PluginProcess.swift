import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a plugin's command in its own process group, in a directory, with exactly the given
/// environment: stdout and stderr collected up to a cap, the whole group killed (SIGKILL) at the
/// timeout or when the output goes over the cap, and again once the command exits so nothing it
/// started lives on.
enum PluginProcess {
    struct Outcome {
        var stdout: [UInt8]
        var stderr: [UInt8]
        /// The exit status, or nil when the process was killed by a signal.
        var status: Int32?
        var signal: Int32?
        var timedOut = false
        /// stdout went over the cap (the process was killed).
        var overflow = false
    }

    /// Starts `argv` (`argv[0]` looked up on Plumb's PATH) and waits for it.
    static func run(
        _ argv: [String], environment: [String], directory: String, timeout: Duration, maxOutput: Int
    ) throws(ManifestError) -> Outcome {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard makePipe(&outPipe) else { throw failure(argv, "pipe: \(String(cString: strerror(errno)))") }
        guard makePipe(&errPipe) else {
            close(outPipe[0])
            close(outPipe[1])
            throw failure(argv, "pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        guard let addchdir = addChdir else {
            close(outPipe[0])
            close(outPipe[1])
            close(errPipe[0])
            close(errPipe[1])
            throw failure(argv, "this C library has no posix_spawn_file_actions_addchdir_np")
        }
        _ = addchdir(&actions, directory)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A process group of its own, so a timeout kills what the command started too.
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw failure(argv, "cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        var outcome = Outcome(stdout: [], stderr: [])
        let deadline = ContinuousClock.now + timeout
        var open = [outPipe[0], errPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 65536)
        let maxStderr = 64 << 10
        var status: Int32 = 0
        var exited = false
        while !open.isEmpty {
            let left = deadline - ContinuousClock.now
            if left <= .zero {
                outcome.timedOut = true
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ms = Int32(
                min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 1000))
            let ready = poll(&fds, nfds_t(fds.count), ms)
            if ready < 0 && errno != EINTR { break }
            for fd in fds where fd.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fd.fd, $0.baseAddress, $0.count) }
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 {
                    open.removeAll { $0 == fd.fd }
                } else if fd.fd == outPipe[0] {
                    outcome.stdout += buffer[0..<n]
                    if outcome.stdout.count > maxOutput { outcome.overflow = true }
                } else if outcome.stderr.count < maxStderr {
                    outcome.stderr += buffer[0..<min(n, maxStderr - outcome.stderr.count)]
                }
            }
            if outcome.overflow { break }
            if !exited && waitpid(pid, &status, WNOHANG) == pid {
                // The command is done; what it left running in its group would hold the pipes open.
                exited = true
                kill(-pid, SIGKILL)
            }
        }
        // Whatever is left of the group goes, whether the command finished or not.
        kill(-pid, SIGKILL)
        if !exited {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        if status & 0x7f == 0 {
            outcome.status = (status >> 8) & 0xff
        } else {
            outcome.signal = status & 0x7f
        }
        return outcome
    }

    private static func failure(_ argv: [String], _ message: String) -> ManifestError {
        ManifestError(file: argv.first ?? "plugin", message: message)
    }

    /// A pipe whose ends close on exec, so no other child inherits them (`pipe2(O_CLOEXEC)`,
    /// which Swift's Glibc module does not declare either).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        if let pipe2 = pipe2 { return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) } == 0 }
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    private static let pipe2: Pipe2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2") else { return nil }
        return unsafeBitCast(symbol, to: Pipe2.self)
    }()

    private typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which Swift's Glibc module does
    /// not declare: the child changes directory, the parent never does (it has other threads).
    private static let addChdir: AddChdir? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()
}
