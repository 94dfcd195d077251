import CYAML
import PlumbCore

/// Owns one libyaml parser and its current event, reading from a buffer the caller keeps alive.
/// Intentionally not thread safe: one parse, one thread.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    /// The event last returned by `next()`; valid until the next call.
    let event: UnsafeMutablePointer<yaml_event_t>
    private var holdsEvent = false
    private let input: UnsafeBufferPointer<UInt8>
    private let file: String

    /// Prepares to read `input`, which must outlive the parser and must not be empty.
    init(_ input: UnsafeBufferPointer<UInt8>, file: String) throws(YAMLError) {
        self.input = input
        self.file = file
        parser = .allocate(capacity: 1)
        event = .allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            event.deallocate()
            throw YAMLError(SourceLocation(file: file, line: 1, column: 1), "cannot initialize libyaml")
        }
        yaml_parser_set_input_string(parser, input.baseAddress, input.count)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    deinit {
        if holdsEvent { yaml_event_delete(event) }
        yaml_parser_delete(parser)
        parser.deallocate()
        event.deallocate()
    }

    /// Advances to the next event; libyaml's errors come back with their place.
    @inline(__always)
    func next() throws(YAMLError) {
        if holdsEvent {
            yaml_event_delete(event)
            holdsEvent = false
        }
        guard yaml_parser_parse(parser, event) == 1 else { throw currentError() }
        holdsEvent = true
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private func currentError() -> YAMLError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "cannot parse YAML"
        switch p.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(SourceLocation(file: file, line: 1, column: 1), "out of memory")
        case YAML_READER_ERROR:
            let (line, column) = UTF8Check.lineColumn(input, offset: Int(p.problem_offset))
            return YAMLError(SourceLocation(file: file, line: line, column: column), problem)
        default:
            var message = problem
            if let context = p.context {
                let start = location(p.context_mark)
                message += " (\(String(cString: context)) at line \(start.line), column \(start.column))"
            }
            return YAMLError(location(p.problem_mark), message)
        }
    }
}
