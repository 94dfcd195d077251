import PlumbCore

/// A `successCondition` or `failureCondition`: a small expression over `result`, the list of
/// values one measurement returned (a Prometheus vector's samples in order, a scalar as a list
/// of one, a web provider's JSON field as a list of one).
///
/// Supported, and nothing else:
/// - literals: numbers (`0.95`, `100`, `1e3`), `true`, `false`, strings in double quotes;
/// - `result` (a number when it holds exactly one value, as Argo Rollouts' scalar `result`),
///   `result[i]` (0-based; out of range is an evaluation error, so Inconclusive),
///   `len(result)`, `isNaN(x)`;
/// - arithmetic `+ - * /`, unary `-`, parentheses;
/// - comparisons `< <= > >= == !=` (numbers, or `==`/`!=` on strings and booleans);
/// - `!`, `&&`, `||` (short-circuit), with the usual precedence
///   (`||` < `&&` < comparison < `+ -` < `* /` < unary).
public struct AnalysisExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as declared.
    public let source: String
    let root: Node

    indirect enum Node: Sendable, Equatable {
        case number(Double)
        case string(String)
        case bool(Bool)
        case result
        case index(Int)
        case length
        case isNaN(Node)
        case negate(Node)
        case not(Node)
        case binary(String, Node, Node)
    }

    public var description: String { source }

    /// A parse error: the message and the 1-based column in the expression.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var column: Int
        public var message: String
        public var description: String { "column \(column): \(message)" }
    }

    /// An evaluation that cannot give an answer (an index past the end, a string compared with
    /// `<`): the measurement is Inconclusive with this message.
    public struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public init(_ source: String) throws(ParseError) {
        self.source = source
        var parser = Parser(text: Array(source.unicodeScalars))
        root = try parser.parseAll()
    }

    /// Whether the expression holds for these values; it must come out as a boolean.
    public func holds(for result: [Value]) throws(EvaluationError) -> Bool {
        guard case .bool(let b) = try evaluate(root, result) else {
            throw EvaluationError(message: "\(source) is not a true/false expression")
        }
        return b
    }

    private enum Operand: Equatable {
        case number(Double)
        case string(String)
        case bool(Bool)
    }

    private func evaluate(_ node: Node, _ result: [Value]) throws(EvaluationError) -> Operand {
        switch node {
        case .number(let d): return .number(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .result:
            guard result.count == 1 else {
                throw EvaluationError(message: "result holds \(result.count) values; use result[i] or len(result)")
            }
            return try operand(result[0])
        case .index(let i):
            guard i < result.count else {
                throw EvaluationError(message: "result[\(i)] does not exist (result holds \(result.count) values)")
            }
            return try operand(result[i])
        case .length: return .number(Double(result.count))
        case .isNaN(let inner):
            guard case .number(let d) = try evaluate(inner, result) else {
                throw EvaluationError(message: "isNaN needs a number")
            }
            return .bool(d.isNaN)
        case .negate(let inner):
            guard case .number(let d) = try evaluate(inner, result) else {
                throw EvaluationError(message: "- needs a number")
            }
            return .number(-d)
        case .not(let inner):
            guard case .bool(let b) = try evaluate(inner, result) else {
                throw EvaluationError(message: "! needs true/false")
            }
            return .bool(!b)
        case .binary(let op, let l, let r):
            if op == "&&" || op == "||" {
                guard case .bool(let a) = try evaluate(l, result) else {
                    throw EvaluationError(message: "\(op) needs true/false on both sides")
                }
                if op == "&&" && !a { return .bool(false) }
                if op == "||" && a { return .bool(true) }
                guard case .bool(let b) = try evaluate(r, result) else {
                    throw EvaluationError(message: "\(op) needs true/false on both sides")
                }
                return .bool(b)
            }
            let a = try evaluate(l, result)
            let b = try evaluate(r, result)
            if op == "==" { return .bool(a == b) }
            if op == "!=" { return .bool(a != b) }
            guard case .number(let x) = a, case .number(let y) = b else {
                throw EvaluationError(message: "\(op) needs numbers on both sides")
            }
            switch op {
            case "<": return .bool(x < y)
            case "<=": return .bool(x <= y)
            case ">": return .bool(x > y)
            case ">=": return .bool(x >= y)
            case "+": return .number(x + y)
            case "-": return .number(x - y)
            case "*": return .number(x * y)
            default: return .number(x / y)
            }
        }
    }

    private func operand(_ value: Value) throws(EvaluationError) -> Operand {
        switch value {
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .string(let s):
            // Prometheus sends sample values as strings ("0.95", "NaN"); compare them as numbers.
            if let d = Double(s) { return .number(d) }
            return .string(s)
        default: throw EvaluationError(message: "a result value is \(value.typeName), not a number, string or boolean")
        }
    }
}

extension AnalysisExpression {
    fileprivate struct Parser {
        let text: [Unicode.Scalar]
        var pos = 0

        mutating func parseAll() throws(ParseError) -> Node {
            skipSpace()
            guard pos < text.count else { throw error("empty expression") }
            let node = try parseOr()
            skipSpace()
            guard pos == text.count else {
                throw error("unexpected \"\(String(String.UnicodeScalarView(text[pos...])))\"")
            }
            return node
        }

        func error(_ message: String) -> ParseError { ParseError(column: pos + 1, message: message) }

        mutating func skipSpace() {
            while pos < text.count, text[pos] == " " || text[pos] == "\t" || text[pos] == "\n" { pos += 1 }
        }

        mutating func take(_ token: String) -> Bool {
            skipSpace()
            let scalars = Array(token.unicodeScalars)
            guard pos + scalars.count <= text.count, Array(text[pos..<pos + scalars.count]) == scalars else {
                return false
            }
            pos += scalars.count
            return true
        }

        mutating func parseOr() throws(ParseError) -> Node {
            var node = try parseAnd()
            while take("||") { node = .binary("||", node, try parseAnd()) }
            return node
        }

        mutating func parseAnd() throws(ParseError) -> Node {
            var node = try parseComparison()
            while take("&&") { node = .binary("&&", node, try parseComparison()) }
            return node
        }

        mutating func parseComparison() throws(ParseError) -> Node {
            let node = try parseSum()
            for op in ["<=", ">=", "==", "!=", "<", ">"] where take(op) {
                return .binary(op, node, try parseSum())
            }
            return node
        }

        mutating func parseSum() throws(ParseError) -> Node {
            var node = try parseProduct()
            while true {
                if take("+") {
                    node = .binary("+", node, try parseProduct())
                } else if peekMinus() {
                    pos += 1
                    node = .binary("-", node, try parseProduct())
                } else {
                    return node
                }
            }
        }

        mutating func peekMinus() -> Bool {
            skipSpace()
            return pos < text.count && text[pos] == "-"
        }

        mutating func parseProduct() throws(ParseError) -> Node {
            var node = try parseUnary()
            while true {
                if take("*") {
                    node = .binary("*", node, try parseUnary())
                } else if take("/") {
                    node = .binary("/", node, try parseUnary())
                } else {
                    return node
                }
            }
        }

        mutating func parseUnary() throws(ParseError) -> Node {
            skipSpace()
            if pos < text.count, text[pos] == "!", pos + 1 >= text.count || text[pos + 1] != "=" {
                pos += 1
                return .not(try parseUnary())
            }
            if take("-") { return .negate(try parseUnary()) }
            return try parsePrimary()
        }

        mutating func parsePrimary() throws(ParseError) -> Node {
            skipSpace()
            guard pos < text.count else { throw error("expression ends too early") }
            let c = text[pos]
            if c == "(" {
                pos += 1
                let node = try parseOr()
                guard take(")") else { throw error("missing )") }
                return node
            }
            if c == "\"" {
                pos += 1
                var s = ""
                while pos < text.count, text[pos] != "\"" {
                    s.unicodeScalars.append(text[pos])
                    pos += 1
                }
                guard pos < text.count else { throw error("unterminated string") }
                pos += 1
                return .string(s)
            }
            if c.properties.numericType != nil || c == "." {
                let start = pos
                while pos < text.count,
                    text[pos].properties.numericType != nil || text[pos] == "." || text[pos] == "e" || text[pos] == "E"
                        || ((text[pos] == "-" || text[pos] == "+") && (text[pos - 1] == "e" || text[pos - 1] == "E"))
                {
                    pos += 1
                }
                let literal = String(String.UnicodeScalarView(text[start..<pos]))
                guard let d = Double(literal) else {
                    pos = start
                    throw error("\"\(literal)\" is not a number")
                }
                return .number(d)
            }
            let start = pos
            while pos < text.count, text[pos].properties.isAlphabetic || text[pos] == "_" { pos += 1 }
            let word = String(String.UnicodeScalarView(text[start..<pos]))
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "result":
                guard take("[") else { return .result }
                skipSpace()
                let digits = pos
                while pos < text.count, text[pos].properties.numericType != nil { pos += 1 }
                guard let i = Int(String(String.UnicodeScalarView(text[digits..<pos]))) else {
                    throw error("result[...] needs an index such as result[0]")
                }
                guard take("]") else { throw error("missing ]") }
                return .index(i)
            case "len":
                guard take("("), take("result"), take(")") else { throw error("len takes result: len(result)") }
                return .length
            case "isNaN":
                guard take("(") else { throw error("isNaN takes one value: isNaN(result[0])") }
                let inner = try parseOr()
                guard take(")") else { throw error("missing )") }
                return .isNaN(inner)
            case "":
                throw error("unexpected \"\(Character(c))\"")
            default:
                pos = start
                throw error("unknown name \"\(word)\" (only result, len(result), isNaN(x), true, false)")
            }
        }
    }
}
