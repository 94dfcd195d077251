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

/// Runs a program from PATH (`/usr/bin/env name`) with its output discarded, in `directory`
/// when given, with `environment` added to this process's. Returns the exit status.
func runQuietly(_ name: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [name] + arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// Runs the machine's kubectl (from PATH) with its output discarded; with `home`, kubectl keeps
/// its config and discovery cache there, so runs start equally cold. Returns the exit status.
func kubectl(_ arguments: [String], home: String? = nil) throws -> Int32 {
    try runQuietly("kubectl", arguments, environment: home.map { ["HOME": $0, "KUBECACHEDIR": $0 + "/cache"] } ?? [:])
}

/// Runs git in `directory`; throws when it fails.
func git(_ arguments: [String], in directory: String) throws {
    guard try runQuietly("git", arguments, in: directory) == 0 else {
        throw BenchmarkError("git \(arguments.joined(separator: " ")) failed")
    }
}

/// The release `plumb` binary beside this benchmark binary, if it was built.
func plumbBinary() -> String? {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let path = dir.appendingPathComponent("plumb").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}

/// The middle value (the upper one of an even count).
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
