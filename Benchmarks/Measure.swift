// What the benchmarks share: wall-clock timing, resident memory from /proc, and running kubectl.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A duration in seconds.
func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// The value of `body` and the wall-clock seconds it took.
func time<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, seconds(ContinuousClock.now - start))
}

/// Resident memory now, from /proc/self/statm (Glibc's mallinfo2 is not visible to Swift).
func residentMemory() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Restarts the kernel's peak-RSS counter (VmHWM) of this process.
func resetPeakResidentMemory() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// The peak resident memory (VmHWM) since the process started or the last reset, in bytes.
func peakResidentMemory() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    else { return 0 }
    return kb * 1024
}

/// Runs the machine's kubectl (from PATH) with its output discarded; with `home`, kubectl keeps
/// its config and discovery cache there, so runs start equally cold. Returns the exit status.
func kubectl(_ arguments: [String], home: String? = nil) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["kubectl"] + arguments
    if let home {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home
        env["KUBECACHEDIR"] = home + "/cache"
        p.environment = env
    }
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
