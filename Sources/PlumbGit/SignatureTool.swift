import Foundation

/// Runs the external verifiers (`gpgv`, `ssh-keygen`) with a time limit. Their output is
/// small (status lines), so it is read after they exit; stderr goes to a file to avoid a
/// full pipe blocking the child.
struct SignatureTool {
    /// A finished run.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The tool that ran: its name for errors.
    var name: String
    var timeout: Duration

    /// Runs `executable` (a path, or a name looked up in `PATH`) with `arguments`, its stdin
    /// read from `stdinFile` when given, inside `directory` (scratch space for stderr).
    func run(_ executable: String, _ arguments: [String], stdinFile: String? = nil, directory: String)
        throws(SignatureToolError) -> Result
    {
        guard let path = Self.locate(executable) else {
            throw SignatureToolError("\(executable) not found in PATH (install \(name))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"  // messages are parsed
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        let errPath = directory + "/stderr-\(UInt32.random(in: 0...UInt32.max))"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        guard let err = FileHandle(forWritingAtPath: errPath) else {
            throw SignatureToolError("cannot create \(errPath)")
        }
        defer { try? err.close() }
        process.standardError = err
        let input: FileHandle?
        if let stdinFile {
            guard let handle = FileHandle(forReadingAtPath: stdinFile) else {
                throw SignatureToolError("cannot read \(stdinFile)")
            }
            input = handle
            process.standardInput = handle
        } else {
            input = nil
            process.standardInput = FileHandle.nullDevice
        }
        defer { try? input?.close() }
        do {
            try process.run()
        } catch {
            throw SignatureToolError("\(executable): cannot start: \(error.localizedDescription)")
        }
        let killer = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        if process.terminationReason == .uncaughtSignal {
            throw SignatureToolError("\(executable) did not finish within \(Int(seconds))s")
        }
        let errText = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: errText)
    }

    /// `executable` itself when it contains a `/`, else the first match in `PATH`.
    static func locate(_ executable: String) -> String? {
        if executable.contains("/") {
            return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A verifier could not be run (missing, timed out): the verdict is `error`.
struct SignatureToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
