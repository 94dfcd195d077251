import Foundation

/// Opens a SOPS PGP data key with `gpg --decrypt`, in the GNUPGHOME the keys name, so that
/// Plumb never holds a PGP private key itself. The message goes in on stdin and the key comes
/// out on stdout; neither is written to disk.
enum SopsGPG {
    static let timeout: Duration = .seconds(30)

    /// The decrypted bytes, or a message with gpg's last stderr line.
    static func decrypt(_ message: String, keys: SopsKeys) -> Result<[UInt8], SopsFailure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [keys.gpgPath, "--batch", "--quiet", "--no-tty", "--yes", "--decrypt"]
        var env = ProcessInfo.processInfo.environment
        if let home = keys.gnupgHome { env["GNUPGHOME"] = home }
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .failure(SopsFailure("cannot run gpg: \(error.localizedDescription)"))
        }
        let box = ProcessBox(process)
        let done = DispatchSemaphore(value: 0)
        let errText = ByteBox()
        let outData = ByteBox()
        DispatchQueue.global().async {
            errText.data = errors.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        DispatchQueue.global().async {
            outData.data = output.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        input.fileHandleForWriting.write(Data(message.utf8))
        try? input.fileHandleForWriting.close()
        let deadline = DispatchTime.now() + .seconds(Int(timeout.components.seconds))
        var timedOut = false
        for _ in 0..<2 where done.wait(timeout: deadline) == .timedOut {
            timedOut = true
            box.process.terminate()
            break
        }
        box.process.waitUntilExit()
        if timedOut { return .failure(SopsFailure("gpg did not finish within \(timeout)")) }
        guard box.process.terminationStatus == 0 else {
            let lines = String(decoding: errText.data, as: UTF8.self).split(separator: "\n")
            let last = lines.last.map(String.init) ?? "exit status \(box.process.terminationStatus)"
            return .failure(SopsFailure(last))
        }
        return .success([UInt8](outData.data))
    }

    /// Process is not Sendable; it is only used from this function's thread.
    private final class ProcessBox: @unchecked Sendable {
        let process: Process
        init(_ p: Process) { process = p }
    }

    /// Written by one reader thread and read after the semaphore says it is done.
    private final class ByteBox: @unchecked Sendable {
        var data = Data()
    }
}
