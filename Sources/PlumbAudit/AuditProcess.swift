import Foundation

/// The process that runs a sync, recorded so that a later run can tell a sync in progress
/// from one whose process died: pid, host, the kernel's boot id and the process' start time
/// (a pid alone may have been reused since).
public struct AuditProcess: Sendable, Equatable {
    public var pid: Int32
    public var host: String
    /// `/proc/sys/kernel/random/boot_id` (empty where there is none).
    public var bootID: String
    /// The process' start time in clock ticks since boot (`/proc/PID/stat` field 22; 0 if unknown).
    public var startTime: Int64

    /// A process by its parts.
    public init(pid: Int32, host: String, bootID: String, startTime: Int64) {
        self.pid = pid
        self.host = host
        self.bootID = bootID
        self.startTime = startTime
    }

    /// This process.
    public static func current() -> AuditProcess {
        let pid = getpid()
        return AuditProcess(pid: pid, host: hostName(), bootID: bootID(), startTime: startTime(of: pid) ?? 0)
    }

    /// Whether this process is certainly gone, as seen from the current host: same host and
    /// boot, and the pid no longer exists or now belongs to a process started at another time.
    /// A process of another host cannot be checked and is not reported gone here.
    public func isGone(seenFrom here: AuditProcess = .current()) -> Bool {
        guard host == here.host else { return false }
        if !bootID.isEmpty && !here.bootID.isEmpty && bootID != here.bootID { return true }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        if startTime != 0, let now = AuditProcess.startTime(of: pid), now != startTime { return true }
        return false
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func bootID() -> String {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Field 22 of `/proc/PID/stat`; the command name (field 2) may hold spaces and parentheses,
    /// so the fields are counted from the last `)`.
    static func startTime(of pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return Int64(fields[19])
    }
}

/// Who starts a sync: `user@host` for a person, `controller` for the in-cluster controller.
public enum AuditInitiator {
    /// The initiator of syncs the controller runs.
    public static let controller = "controller"

    /// `$USER@host` (or `$LOGNAME@host`, else the account name of the process's uid, else
    /// `uid-N@host`) for the current process.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let user = [environment["USER"], environment["LOGNAME"]].compactMap { $0 }.first { !$0.isEmpty }
        return "\(user ?? accountName() ?? "uid-\(getuid())")@\(AuditProcess.hostName())"
    }

    /// The name of the process's user in the password database (CI jobs often have no `$USER`).
    static func accountName() -> String? {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return nil }
        let text = String(cString: name)
        return text.isEmpty ? nil : text
    }
}
