import PlumbCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing to the terminal: stdout for results, stderr for errors, colour only on a TTY.
/// Every line goes through the redactor: a value decrypted from a SOPS file is never printed.
enum Terminal {
    private static let sensitive = Mutex(SensitiveValues())

    /// Masks `values` in everything printed from now on (decrypted SOPS values of a render).
    static func addSensitive(_ values: some Sequence<String>) {
        sensitive.withLock { $0.insert(contentsOf: values) }
    }

    /// `text` as it may be printed.
    static func redact(_ text: String) -> String {
        sensitive.withLock { $0.redact(text) }
    }

    static func writeOut(_ text: String) {
        var text = redact(text)
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    static func writeErr(_ text: String) {
        var text = redact(text)
        text.withUTF8 { buffer in _ = write(2, buffer.baseAddress!, buffer.count) }
    }

    /// Whether stdout is a terminal.
    static var stdoutIsTTY: Bool { isatty(1) == 1 }

    /// Whether stderr is a terminal.
    static var stderrIsTTY: Bool { isatty(2) == 1 }

    /// Colour on stdout: only on a terminal and never with `NO_COLOR` set.
    static var colorOut: Bool { stdoutIsTTY && getenv("NO_COLOR") == nil }

    /// Prints `error: message` on stderr and exits with `code`.
    static func fail(_ message: String, code: Int32) -> Never {
        let oneLine = message.split(separator: "\n", omittingEmptySubsequences: true)
        for line in oneLine { writeErr("error: \(line)\n") }
        exit(code)
    }

    static func exit(_ code: Int32) -> Never {
        #if canImport(Glibc)
            Glibc.exit(code)
        #else
            Darwin.exit(code)
        #endif
    }
}

/// A failure the CLI reports as `error: message`, with an exit code (2 unless said).
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32 = 2
    var description: String { message }

    init(_ message: String, exitCode: Int32 = 2) {
        self.message = message
        self.exitCode = exitCode
    }
}
