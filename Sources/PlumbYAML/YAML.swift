import CYAML
import PlumbCore

/// One document of a YAML stream: its value and where it starts.
public struct YAMLDocument: Sendable, Equatable {
    /// The document's content.
    public var value: Value
    /// The place of the document's root node.
    public var location: SourceLocation
    /// The document's 1-based position in the stream, counting empty documents too.
    public var index: Int

    /// Creates a document.
    public init(value: Value, location: SourceLocation, index: Int) {
        self.value = value
        self.location = location
        self.index = index
    }
}

/// Reads YAML into `Value`s with the scalar rules kubectl applies (go-yaml v2, YAML 1.1).
///
/// Where Plumb keeps more than kubectl's YAML-to-JSON step would:
/// - floats stay doubles even when integral (`1e3` is `.double(1000)`, where kubectl's JSON says
///   `1000`), so that writing a value back keeps its type; `.nan` and `.inf` are kept too;
/// - integers past Int64 (go-yaml's uint64 and big ints) become doubles.
///
/// As kubectl does: map keys become strings (`1` → "1", `true` → "true", `y` → "true"), timestamps
/// stay strings, unknown tags (`!foo`) leave the text as a string, `!!binary` is decoded.
/// Unlike go-yaml v2, a merge key (`<<`) never overrides a key written in the map, wherever it is.
public enum YAML {
    /// The version of libyaml Plumb reads YAML with.
    public static var libyamlVersion: String { String(cString: yaml_get_version_string()) }

    /// Parses every non-empty document of a UTF-8 YAML stream; `null` and empty documents are skipped.
    public static func parseDocuments(
        _ bytes: [UInt8], file: String, options: YAMLOptions = .init()
    ) throws(YAMLError) -> [YAMLDocument] {
        try withBuffer(bytes) { (b) throws(YAMLError) in try parseDocuments(b, file: file, options: options) }
    }

    /// Parses every non-empty document of a YAML string.
    public static func parseDocuments(
        _ text: String, file: String, options: YAMLOptions = .init()
    ) throws(YAMLError) -> [YAMLDocument] {
        try parseDocuments(Array(text.utf8), file: file, options: options)
    }

    /// Parses every non-empty document of UTF-8 YAML held in `buffer`.
    public static func parseDocuments(
        _ buffer: UnsafeRawBufferPointer, file: String, options: YAMLOptions = .init()
    ) throws(YAMLError) -> [YAMLDocument] {
        let bytes = buffer.bindMemory(to: UInt8.self)
        if let bad = UTF8Check.firstInvalidOffset(bytes) {
            let (line, column) = UTF8Check.lineColumn(bytes, offset: bad)
            throw YAMLError(SourceLocation(file: file, line: line, column: column), "invalid UTF-8")
        }
        guard !bytes.isEmpty else { return [] }
        let parser = try LibYAMLParser(bytes, file: file)
        var builder = DocumentBuilder(file: file, options: options, inputBytes: bytes.count)
        var documents: [YAMLDocument] = []
        var index = 0
        while true {
            try parser.next()
            let event = parser.event
            let line = Int(event.pointee.start_mark.line) + 1
            let column = Int(event.pointee.start_mark.column) + 1
            switch event.pointee.type {
            case YAML_SCALAR_EVENT:
                try builder.scalar(event, line: line, column: column)
            case YAML_MAPPING_START_EVENT:
                try builder.startContainer(
                    mapping: true, anchor: event.pointee.data.mapping_start.anchor, line: line, column: column)
            case YAML_MAPPING_END_EVENT:
                try builder.endMapping()
            case YAML_SEQUENCE_START_EVENT:
                try builder.startContainer(
                    mapping: false, anchor: event.pointee.data.sequence_start.anchor, line: line, column: column)
            case YAML_SEQUENCE_END_EVENT:
                try builder.endSequence()
            case YAML_ALIAS_EVENT:
                try builder.alias(event.pointee.data.alias.anchor, line: line, column: column)
            case YAML_DOCUMENT_START_EVENT:
                index += 1
                builder.startDocument()
            case YAML_DOCUMENT_END_EVENT:
                if let root = builder.root, !root.isNull {
                    let location = SourceLocation(file: file, line: builder.rootLine, column: builder.rootColumn)
                    documents.append(YAMLDocument(value: root, location: location, index: index))
                }
            case YAML_STREAM_END_EVENT:
                return documents
            default:
                continue
            }
        }
    }

    /// Parses a stream whose documents must all be objects; `kind: *List` documents are
    /// replaced by their items, as kubectl does.
    public static func parseObjects(
        _ bytes: [UInt8], file: String, options: YAMLOptions = .init()
    ) throws(YAMLError) -> [YAMLDocument] {
        try expandLists(parseDocuments(bytes, file: file, options: options))
    }

    /// Parses a string whose documents must all be objects, expanding `kind: *List` documents.
    public static func parseObjects(
        _ text: String, file: String, options: YAMLOptions = .init()
    ) throws(YAMLError) -> [YAMLDocument] {
        try expandLists(parseDocuments(text, file: file, options: options))
    }

    /// Replaces each `kind: *List` document that has `items` by its items (recursively) and
    /// refuses any document or item that is not an object.
    public static func expandLists(_ documents: [YAMLDocument]) throws(YAMLError) -> [YAMLDocument] {
        var out: [YAMLDocument] = []
        out.reserveCapacity(documents.count)
        for d in documents {
            guard case .object = d.value else {
                throw YAMLError(d.location, "document \(d.index) is \(article(d.value.typeName)), not an object")
            }
            try expand(d.value, of: d, path: "", into: &out)
        }
        return out
    }

    private static func expand(
        _ v: Value, of d: YAMLDocument, path: String, into out: inout [YAMLDocument]
    ) throws(YAMLError) {
        guard case .object(let o) = v else {
            throw YAMLError(d.location, "document \(d.index)\(path) is \(article(v.typeName)), not an object")
        }
        if let kind = o["kind"]?.stringValue, kind.hasSuffix("List"), let items = o["items"] {
            guard case .array(let list) = items else {
                throw YAMLError(d.location, "document \(d.index)\(path): items of a \(kind) is \(article(items.typeName)), not a list")
            }
            for (i, item) in list.enumerated() {
                try expand(item, of: d, path: "\(path).items[\(i)]", into: &out)
            }
            return
        }
        out.append(YAMLDocument(value: v, location: d.location, index: d.index))
    }

    private static func article(_ typeName: String) -> String {
        switch typeName.first {
        case "a", "e", "i", "o", "u": return "an \(typeName)"
        default: return "a \(typeName)"
        }
    }

    private static func withBuffer<R>(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(YAMLError) -> R
    ) throws(YAMLError) -> R {
        let result: Result<R, YAMLError> = bytes.withUnsafeBytes { raw in
            do throws(YAMLError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// The version of libyaml Plumb reads YAML with.
public var libyamlVersion: String { YAML.libyamlVersion }
