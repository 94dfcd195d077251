import Logging
import PlumbCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How log lines are written: one JSON object per line (for log collectors, the default in a
/// cluster) or text for a person at a terminal.
public enum LogFormat: String, Sendable, CaseIterable {
    case json, text

    /// JSON in a cluster (`KUBERNETES_SERVICE_HOST` set) or when stderr is not a terminal,
    /// text on a terminal: what `--log-format` defaults to.
    public static func automatic(
        environment: [String: String] = LogFormat.processEnvironment(), stderrIsTerminal: Bool = isatty(2) != 0
    ) -> LogFormat {
        if let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty { return .json }
        return stderrIsTerminal ? .text : .json
    }

    /// The variables of this process.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            entry += 1
        }
        return result
    }
}

/// Where log lines go: stderr, or any closure (tests). Writes whole lines, one at a time.
public struct LogSink: Sendable {
    let write: @Sendable (String) -> Void

    /// `write` is called with each line, newline included, never concurrently.
    public init(_ write: @escaping @Sendable (String) -> Void) {
        let lock = Mutex(())
        self.write = { line in lock.withLock { _ in write(line) } }
    }

    /// The process's standard error, unbuffered.
    public static let standardError = LogSink { line in writeAll(2, line) }
}

/// Writes all of `text` to a file descriptor, as far as it takes it.
private func writeAll(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var rest = UnsafeRawBufferPointer(bytes)
        while !rest.isEmpty {
            let n = write(fd, rest.baseAddress, rest.count)
            if n <= 0 { break }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }
}

/// A swift-log `LogHandler` that writes each message as one line in `LogFormat`, with its
/// metadata (the controller's `app`, `revision`, `phase`, ...) and no Secret value: see
/// `LogRedaction`.
///
/// JSON lines: `{"time":"2026-12-07T00:31:12.123Z","level":"info","label":"plumb.controller",
/// "message":"sync succeeded","app":"prod/web","phase":"apply","revision":"3f2a..."}`: the
/// metadata keys sorted, beside the fixed ones (a metadata key equal to a fixed one is
/// written as `metadata.<key>`), an error logged with the event as `error`.
/// Text: `2026-12-07T00:31:12.123Z info  plumb.controller: sync succeeded app=prod/web ...`.
public struct PlumbLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    public let label: String
    public let format: LogFormat
    let sink: LogSink
    let redaction: LogRedaction

    public init(
        label: String, format: LogFormat, level: Logger.Level = .info, sink: LogSink = .standardError,
        redaction: LogRedaction = LogRedaction(), metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
        self.redaction = redaction
        self.metadataProvider = metadataProvider
    }

    /// Makes every `Logger` of the process write through this handler type.
    public static func bootstrap(
        format: LogFormat, level: Logger.Level = .info, sink: LogSink = .standardError,
        redaction: LogRedaction = LogRedaction(), metadataProvider: Logger.MetadataProvider? = nil
    ) {
        LoggingSystem.bootstrap(
            { label, provider in
                PlumbLogHandler(
                    label: label, format: format, level: level, sink: sink, redaction: redaction,
                    metadataProvider: provider)
            }, metadataProvider: metadataProvider)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let more = event.metadata { merged.merge(more) { _, new in new } }
        let message = redaction.redact(text: event.message.description)
        let error = event.error.map { redaction.redact(text: "\($0)") }
        let line: String
        switch format {
        case .json:
            line = jsonLine(level: event.level, message: message, error: error, metadata: merged)
        case .text:
            line = textLine(level: event.level, message: message, error: error, metadata: merged)
        }
        sink.write(line)
    }

    static let fixedKeys: Set<String> = ["time", "level", "label", "message", "error"]

    func jsonLine(level: Logger.Level, message: String, error: String?, metadata: Logger.Metadata) -> String {
        var object = ValueObject(minimumCapacity: 5 + metadata.count)
        object.appendUnchecked(key: "time", value: .string(LogTime.now()))
        object.appendUnchecked(key: "level", value: .string(level.rawValue))
        object.appendUnchecked(key: "label", value: .string(label))
        object.appendUnchecked(key: "message", value: .string(message))
        if let error { object.appendUnchecked(key: "error", value: .string(error)) }
        for key in metadata.keys.sorted() {
            let name = Self.fixedKeys.contains(key) ? "metadata.\(key)" : key
            object[name] = redaction.redact(key: key, value: metadata[key]!)
        }
        // Only strings, arrays and objects are written: no number can fail.
        let text = (try? JSONWriter().string(.object(object))) ?? "{\"message\":\"unwritable log line\"}"
        return text + "\n"
    }

    func textLine(level: Logger.Level, message: String, error: String?, metadata: Logger.Metadata) -> String {
        // One line per entry: line breaks inside the message are written as `\n`.
        let flat =
            message.contains(where: \.isNewline)
            ? message.split(whereSeparator: \.isNewline).joined(separator: "\\n") : message
        var line = "\(LogTime.now()) \(level.rawValue.padding(to: 7)) \(label): \(flat)"
        if let error { line += " error=\(Self.quoted(error))" }
        for key in metadata.keys.sorted() {
            line += " \(key)=\(Self.quoted(Self.text(redaction.redact(key: key, value: metadata[key]!))))"
        }
        return line + "\n"
    }

    /// A metadata value as text: strings bare, lists and maps in JSON.
    static func text(_ value: Value) -> String {
        if case .string(let s) = value { return s }
        return (try? JSONWriter().string(value)) ?? ""
    }

    /// Quotes a text value that has spaces, quotes or control characters in it.
    static func quoted(_ text: String) -> String {
        let needsQuotes =
            text.isEmpty || text.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.value < 0x20 }
        guard needsQuotes else { return text }
        return (try? JSONWriter().string(.string(text))) ?? "\"\""
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, as Kubernetes components log them in JSON.
enum LogTime {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return format(seconds: Int(spec.tv_sec), milliseconds: Int(spec.tv_nsec) / 1_000_000)
    }

    static func format(seconds: Int, milliseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}
