import PlumbCore
import PlumbYAML
import XCTest

/// Exactly the part of Helm's template language charts/plumb uses (no `helm` binary can be
/// installed here): `{{ .Values.x }}` and `$`, `{{- -}}` trimming, comments, `if`/`else`,
/// `with`, `range`, `define`/`include`, and the functions `toYaml`, `nindent`, `indent`,
/// `quote`, `default`. Anything else is an error, so a chart change outside the subset fails
/// the test instead of rendering wrongly. Semantics follow text/template and Helm's docs
/// (https://helm.sh/docs/chart_template_guide/).
struct HelmSubset {
    enum Failure: Error, CustomStringConvertible {
        case syntax(String)
        /// Helm's `fail`: the chart refuses to render, with this message.
        case failed(String)
        var description: String {
            switch self {
            case .syntax(let s): return s
            case .failed(let s): return "execution error: \(s)"
            }
        }
    }

    indirect enum Node {
        case text(String)
        case action([[String]])
        case ifElse([[String]], [Node], [Node])
        case with([[String]], [Node], [Node])
        case range([[String]], [Node])
    }

    var defines: [String: [Node]] = [:]

    /// Splits a template into text and actions, applying `{{-` and `-}}` trimming.
    static func tokens(_ source: String) throws -> [(isAction: Bool, text: String)] {
        var out: [(Bool, String)] = []
        var rest = Substring(source)
        var trimNext = false
        while let open = rest.range(of: "{{") {
            var text = String(rest[..<open.lowerBound])
            if trimNext { text = String(text.drop { $0.isWhitespace }) }
            var body = rest[open.upperBound...]
            if body.hasPrefix("-") && body.dropFirst().first?.isWhitespace == true {
                while let last = text.last, last.isWhitespace { text.removeLast() }
                body = body.dropFirst()
            }
            guard let close = body.range(of: "}}") else { throw Failure.syntax("unclosed {{") }
            var action = body[..<close.lowerBound]
            trimNext = action.hasSuffix("-") && action.dropLast().last?.isWhitespace == true
            if trimNext { action = action.dropLast() }
            out.append((false, text))
            out.append((true, action.trimmingCharacters(in: .whitespaces)))
            rest = body[close.upperBound...]
        }
        out.append((false, trimNext ? String(rest.drop { $0.isWhitespace }) : String(rest)))
        return out.filter { !($0.0 == false && $0.1.isEmpty) }
    }

    /// Words of an action, strings kept whole, split into pipeline stages at `|`.
    static func pipeline(_ text: String) throws -> [[String]] {
        var stages: [[String]] = [[]]
        var word = ""
        var inString = false
        for c in text {
            if inString {
                word.append(c)
                if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
                word.append(c)
            } else if c == " " || c == "|" {
                if !word.isEmpty {
                    stages[stages.count - 1].append(word)
                    word = ""
                }
                if c == "|" { stages.append([]) }
            } else {
                word.append(c)
            }
        }
        if !word.isEmpty { stages[stages.count - 1].append(word) }
        guard !inString, !stages.contains(where: \.isEmpty) else { throw Failure.syntax("bad pipeline: \(text)") }
        return stages
    }

    /// Parses templates; `define` blocks are kept by name.
    mutating func parse(_ source: String) throws -> [Node] {
        var tokens = try Self.tokens(source)[...]
        let (nodes, end) = try parseBlock(&tokens)
        guard end == nil else { throw Failure.syntax("unexpected {{ \(end!) }}") }
        return nodes
    }

    private mutating func parseBlock(_ tokens: inout ArraySlice<(isAction: Bool, text: String)>) throws -> (
        [Node], String?
    ) {
        var nodes: [Node] = []
        while let token = tokens.popFirst() {
            guard token.isAction else {
                nodes.append(.text(token.text))
                continue
            }
            let action = token.text
            if action.hasPrefix("/*") { continue }
            if action == "end" || action == "else" { return (nodes, action) }
            let keyword = action.prefix { $0 != " " }
            let argument = String(action.dropFirst(keyword.count)).trimmingCharacters(in: .whitespaces)
            switch keyword {
            case "if", "with":
                let (body, end) = try parseBlock(&tokens)
                var otherwise: [Node] = []
                if end == "else" {
                    let (e, end2) = try parseBlock(&tokens)
                    guard end2 == "end" else { throw Failure.syntax("\(keyword) without end") }
                    otherwise = e
                } else if end != "end" {
                    throw Failure.syntax("\(keyword) without end")
                }
                let p = try Self.pipeline(argument)
                nodes.append(keyword == "if" ? .ifElse(p, body, otherwise) : .with(p, body, otherwise))
            case "range":
                let (body, end) = try parseBlock(&tokens)
                guard end == "end" else { throw Failure.syntax("range without end") }
                nodes.append(.range(try Self.pipeline(argument), body))
            case "define":
                let (body, end) = try parseBlock(&tokens)
                guard end == "end", argument.hasPrefix("\"") else { throw Failure.syntax("bad define") }
                defines[String(argument.dropFirst().dropLast())] = body
            default:
                nodes.append(.action(try Self.pipeline(action)))
            }
        }
        return (nodes, nil)
    }

    /// Renders nodes with `dot` as `.` and `root` as `$`.
    func render(_ nodes: [Node], dot: Value, root: Value) throws -> String {
        var out = ""
        for node in nodes {
            switch node {
            case .text(let t): out += t
            case .action(let p): out += Self.print(try eval(p, dot: dot, root: root))
            case .ifElse(let p, let a, let b):
                out += try render(Self.truthy(try eval(p, dot: dot, root: root)) ? a : b, dot: dot, root: root)
            case .with(let p, let a, let b):
                let v = try eval(p, dot: dot, root: root)
                out += Self.truthy(v) ? try render(a, dot: v, root: root) : try render(b, dot: dot, root: root)
            case .range(let p, let body):
                let v = try eval(p, dot: dot, root: root)
                let items = v.arrayValue ?? v.objectValue.map { $0.sortedEntries.map(\.value) } ?? []
                for item in items { out += try render(body, dot: item, root: root) }
            }
        }
        return out
    }

    /// Go template truth: false, 0, nil and empty strings, lists and maps are false.
    static func truthy(_ v: Value) -> Bool {
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.entries.isEmpty
        }
    }

    /// What `{{ x }}` prints: strings as they are, numbers and booleans as Go prints them.
    static func print(_ v: Value) -> String {
        switch v {
        case .null: return "<no value>"
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .array, .object: return (try? JSONWriter().string(v)) ?? ""
        }
    }

    private func eval(_ stages: [[String]], dot: Value, root: Value) throws -> Value {
        var piped: Value?
        for stage in stages {
            var args = try stage.dropFirst().map { try operand($0, dot: dot, root: root) }
            if let piped { args.append(piped) }
            piped = try call(stage[0], args, dot: dot, root: root)
        }
        return piped ?? .null
    }

    private func operand(_ word: String, dot: Value, root: Value) throws -> Value {
        if word.hasPrefix("\"") { return .string(String(word.dropFirst().dropLast())) }
        if let i = Int64(word) { return .int(i) }
        if word == "." { return dot }
        var base: Value
        var path: Substring
        if word.hasPrefix("$") {
            base = root
            path = word.dropFirst()
        } else if word.hasPrefix(".") {
            base = dot
            path = Substring(word)
        } else {
            throw Failure.syntax("unsupported operand \(word)")
        }
        for key in path.split(separator: ".") { base = base[String(key)] ?? .null }
        return base
    }

    private func call(_ name: String, _ args: [Value], dot: Value, root: Value) throws -> Value {
        switch (name, args.count) {
        case ("include", 2):
            guard let template = args[0].stringValue, let body = defines[template] else {
                throw Failure.syntax("include of an unknown template")
            }
            return .string(try render(body, dot: args[1], root: root))
        case ("toYaml", 1):
            // Helm's toYaml drops the final newline.
            var text = YAMLWriter(sortKeys: true).string(args[0])
            while text.hasSuffix("\n") { text.removeLast() }
            return .string(text)
        case ("nindent", 2), ("indent", 2):
            guard let n = args[0].intValue else { throw Failure.syntax("\(name) needs a count") }
            let pad = String(repeating: " ", count: Int(n))
            let text = Self.print(args[1]).split(separator: "\n", omittingEmptySubsequences: false)
                .map { pad + $0 }.joined(separator: "\n")
            return .string(name == "nindent" ? "\n" + text : text)
        case ("quote", 1):
            return .string("\"" + Self.print(args[0]).replacingOccurrences(of: "\"", with: "\\\"") + "\"")
        case ("default", 2):
            return Self.truthy(args[1]) ? args[1] : args[0]
        case ("not", 1):
            return .bool(!Self.truthy(args[0]))
        case ("or", _) where args.count >= 2:
            // Go's `or`: the first true argument, or the last.
            return args.first(where: Self.truthy) ?? args[args.count - 1]
        case ("fail", 1):
            throw Failure.failed(Self.print(args[0]))
        case (_, 0) where name.hasPrefix(".") || name.hasPrefix("$") || name.hasPrefix("\""):
            return try operand(name, dot: dot, root: root)
        default:
            throw Failure.syntax("unsupported function \(name) with \(args.count) arguments")
        }
    }
}

/// The renderer against examples from Helm's template guide, so the chart test rests on a
/// renderer that behaves as Helm does.
final class InstallChartRendererTests: XCTestCase {
    private func render(_ templates: [String], values: Value) throws -> String {
        var helm = HelmSubset()
        let parsed = try templates.map { try helm.parse($0) }
        let root: Value = ["Values": values, "Release": ["Namespace": "ns", "Service": "Helm"]]
        return try parsed.map { try helm.render($0, dot: root, root: root) }.joined()
    }

    func testTrimMarkersIfElseAndWith() throws {
        let template =
            "a:\n  {{- if .Values.on }}\n  b: {{ .Values.n }}\n  {{- else }}\n  b: off\n  {{- end }}\n{{- with .Values.m }}\nm: {{ .x | quote }}\n{{- end }}\n"
        XCTAssertEqual(try render([template], values: ["on": true, "n": 3, "m": ["x": "y"]]), "a:\n  b: 3\nm: \"y\"\n")
        XCTAssertEqual(try render([template], values: ["on": false, "m": [:]]), "a:\n  b: off\n")
    }

    func testIncludeNindentAndToYaml() throws {
        let helpers = "{{- define \"l\" -}}\nk: v\nns: {{ .Release.Namespace }}\n{{- end }}"
        let template = "labels:\n  {{- include \"l\" . | nindent 2 }}\nres:\n  {{- toYaml .Values.r | nindent 2 }}\n"
        XCTAssertEqual(
            try render([helpers, template], values: ["r": ["requests": ["cpu": "1"]]]),
            "labels:\n  k: v\n  ns: ns\nres:\n  requests:\n    cpu: \"1\"\n")
    }

    func testNotOrAndFail() throws {
        let template = "{{- if not .Values.url }}{{- if or .Values.a .Values.n }}{{- fail \"needs url\" }}{{- end }}{{- end }}ok"
        XCTAssertEqual(try render([template], values: ["url": "", "a": false, "n": 0]), "ok")
        XCTAssertEqual(try render([template], values: ["url": "pg", "a": true, "n": 3]), "ok")
        XCTAssertThrowsError(try render([template], values: ["url": "", "a": false, "n": 3])) {
            XCTAssertEqual("\($0)", "execution error: needs url")
        }
    }

    func testAnythingOutsideTheSubsetIsAnError() {
        XCTAssertThrowsError(try render(["{{ tpl .Values.x . }}"], values: ["x": "y"]))
        XCTAssertThrowsError(try render(["{{ if .Values.x }}open"], values: [:]))
    }
}
