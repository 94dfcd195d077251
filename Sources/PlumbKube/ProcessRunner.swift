import Foundation

/// Runs a child process to completion with a time limit, collecting stdout and stderr.
enum ProcessRunner {
    struct Output: Sendable {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    static func run(command: String, args: [String], environment: [String: String], timeout: Duration) async throws
        -> Output
    {
        let process = Process()
        if command.contains("/") {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = args
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [command] + args
        }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CredentialError(message: "exec plugin \(command): cannot start: \(error.localizedDescription)")
        }
        let box = ProcessBox(process)
        let killer = Task {
            try await Task.sleep(for: timeout)
            box.process.terminate()
        }
        defer { killer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                // Read stderr on another thread so a chatty plugin cannot block on a full pipe.
                let group = DispatchGroup()
                let errData = ByteBox()
                group.enter()
                DispatchQueue.global().async {
                    errData.bytes = err.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                box.process.waitUntilExit()
                if box.process.terminationReason == .uncaughtSignal {
                    continuation.resume(throwing: CredentialError(message: "exec plugin \(command): killed after \(timeout)"))
                    return
                }
                continuation.resume(
                    returning: Output(
                        status: box.process.terminationStatus, stdout: [UInt8](stdout),
                        stderr: String(decoding: errData.bytes, as: UTF8.self)))
            }
        }
    }

    /// Process is not Sendable; it is only used from one thread at a time here.
    private final class ProcessBox: @unchecked Sendable {
        let process: Process
        init(_ p: Process) { process = p }
    }

    private final class ByteBox: @unchecked Sendable {
        var bytes = Data()
    }
}
