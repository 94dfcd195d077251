import CYAML
import PlumbCore

/// Builds one document's `Value` straight from libyaml events, with no node tree in between.
/// Containers collect their members on shared scratch stacks and are moved out once, at their
/// end event, so each map or list costs one allocation.
struct DocumentBuilder: ~Copyable {
    /// A map or list still open.
    struct Frame {
        var isMapping: Bool
        var start: Int
        var line: Int
        var column: Int
        /// Values this node expands to, itself and aliases included.
        var size = 1
        var hasKey = false
        var keyIsMerge = false
        var key = ""
        var keyLine = 0
        var keyHash: UInt32 = 0
        /// What few frames need (an anchor, merge keys, a key index), kept out of line so that
        /// the common frame stays small and cheap to move.
        var extras: Extras?
    }

    final class Extras {
        var anchor: String?
        var merges: [ValueObject] = []
        var mergeAt = -1
        /// Member index by key, built once a map is too big for linear duplicate checks.
        var keyIndex: [String: Int]?
    }

    struct Anchor {
        var value: Value
        var size: Int
    }

    let file: String
    let options: YAMLOptions
    private var frames = ScratchStack<Frame>(capacity: 32)
    private var values = ScratchStack<Value>(capacity: 256)
    private var entries = ScratchStack<ValueObject.Entry>(capacity: 256)
    /// Per member of the open maps: a cheap hash of its key, so duplicate checks rarely compare
    /// strings, and the key's line, for the duplicate-key message.
    private var keyInfo = ScratchStack<KeyInfo>(capacity: 256)
    private var anchors: [String: Anchor] = [:]
    private var strings: StringCache
    private var total = 0
    private var aliased = 0
    private(set) var root: Value?
    private(set) var rootLine = 1
    private(set) var rootColumn = 1

    init(file: String, options: YAMLOptions, inputBytes: Int) {
        self.file = file
        self.options = options
        strings = StringCache(inputBytes: inputBytes)
    }

    private func error(_ line: Int, _ column: Int, _ message: String) -> YAMLError {
        YAMLError(SourceLocation(file: file, line: line, column: column), message)
    }

    mutating func startDocument() {
        frames.removeAll()
        values.removeAll()
        entries.removeAll()
        keyInfo.removeAll()
        anchors.removeAll()
        total = 0
        aliased = 0
        root = nil
    }

    @inline(__always)
    private var expectsKey: Bool {
        let top = frames.count - 1
        return top >= 0 && frames[top].isMapping && !frames[top].hasKey
    }

    private mutating func extras(_ top: Int) -> Extras {
        if let e = frames[top].extras { return e }
        let e = Extras()
        frames[top].extras = e
        return e
    }

    // MARK: events

    mutating func scalar(_ event: UnsafePointer<yaml_event_t>, line: Int, column: Int) throws(YAMLError) {
        let data = event.pointee.data.scalar
        let bytes = UnsafeBufferPointer(start: data.value, count: data.length)
        total += 1
        let value: Value
        if let tag = data.tag {
            let tagText = String(cString: tag)
            if expectsKey && tagText == "tag:yaml.org,2002:merge" && ScalarResolver.string(bytes) == "<<" {
                return setMergeKey(line: line, column: column)
            }
            switch TaggedScalar.resolve(tag: tagText, bytes) {
            case .success(let v): value = v
            case .failure(let m): throw error(line, column, m.text)
            }
        } else if data.plain_implicit != 0 {
            if expectsKey {
                if data.length == 2 && bytes[0] == UInt8(ascii: "<") && bytes[1] == UInt8(ascii: "<") {
                    return setMergeKey(line: line, column: column)
                }
                if data.anchor == nil && ScalarResolver.resolveNonString(bytes) == nil {
                    // The common key: plain text, hashed from its bytes, never wrapped in a Value.
                    frames[frames.count - 1].size += 1
                    let hash = KeyInfo.hash(bytes)
                    return try setKey(strings.make(bytes, hash: hash), hash: hash, line: line, column: column)
                }
            }
            value = ScalarResolver.resolveNonString(bytes) ?? .string(strings.make(bytes, hash: KeyInfo.hash(bytes)))
        } else {
            value = .string(strings.make(bytes, hash: KeyInfo.hash(bytes)))
        }
        if let anchor = data.anchor { anchors[String(cString: anchor)] = Anchor(value: value, size: 1) }
        try deliver(value, size: 1, line: line, column: column)
    }

    mutating func alias(_ name: UnsafeMutablePointer<yaml_char_t>, line: Int, column: Int) throws(YAMLError) {
        let anchorName = String(cString: name)
        // An alias inside the node its anchor names would expand forever.
        if frames.contains(where: { $0.extras?.anchor == anchorName }) {
            throw error(line, column, "anchor '\(anchorName)' value contains itself")
        }
        guard let target = anchors[anchorName] else {
            throw error(line, column, "unknown anchor '\(anchorName)' referenced")
        }
        total += target.size
        aliased += target.size
        if total > options.maxValues {
            throw error(line, column, "document expands to more than \(options.maxValues) values through aliases (alias bomb?)")
        }
        // go-yaml's rule: past a small size, only a shrinking share may come from aliases.
        if aliased > 100 && total > 1000 && Double(aliased) > Double(total) * Self.allowedAliasRatio(total) {
            let limit = Int(Double(total) * Self.allowedAliasRatio(total))
            throw error(line, column, "document expands to more than \(limit) values through aliases (alias bomb?)")
        }
        try deliver(target.value, size: target.size, line: line, column: column)
    }

    private static func allowedAliasRatio(_ count: Int) -> Double {
        let low = 400_000.0
        let high = 4_000_000.0
        let c = Double(count)
        if c <= low { return 0.99 }
        if c >= high { return 0.10 }
        return 0.99 - 0.89 * (c - low) / (high - low)
    }

    mutating func startContainer(
        mapping: Bool, anchor: UnsafeMutablePointer<yaml_char_t>?, line: Int, column: Int
    ) throws(YAMLError) {
        if expectsKey {
            throw error(line, column, "map key must be a string, number or boolean, not a \(mapping ? "map" : "list")")
        }
        if frames.count >= options.maxDepth {
            throw error(line, column, "nesting deeper than \(options.maxDepth) levels")
        }
        total += 1
        frames.push(Frame(isMapping: mapping, start: mapping ? entries.count : values.count, line: line, column: column))
        if let anchor { extras(frames.count - 1).anchor = String(cString: anchor) }
    }

    mutating func endSequence() throws(YAMLError) {
        let f = frames.pop()
        let v = Value.array(values.popArray(from: f.start))
        if let a = f.extras?.anchor { anchors[a] = Anchor(value: v, size: f.size) }
        try deliver(v, size: f.size, line: f.line, column: f.column)
    }

    mutating func endMapping() throws(YAMLError) {
        let f = frames.pop()
        let object: ValueObject
        let members = entries.popArray(from: f.start)
        keyInfo.truncate(to: f.start)
        if let extras = f.extras, !extras.merges.isEmpty {
            object = MergeKeys.apply(explicit: members, mergedAt: extras.mergeAt - f.start, sources: extras.merges)
        } else {
            object = ValueObject(uniqueEntries: members)
        }
        let v = Value.object(object)
        if let a = f.extras?.anchor { anchors[a] = Anchor(value: v, size: f.size) }
        try deliver(v, size: f.size, line: f.line, column: f.column)
    }

    // MARK: assembling

    private mutating func setMergeKey(line: Int, column: Int) {
        let top = frames.count - 1
        frames[top].hasKey = true
        frames[top].keyIsMerge = true
        frames[top].keyLine = line
        frames[top].size += 1
    }

    @inline(__always)
    private mutating func deliver(_ v: Value, size: Int, line: Int, column: Int) throws(YAMLError) {
        let top = frames.count - 1
        guard top >= 0 else {
            root = v
            rootLine = line
            rootColumn = column
            return
        }
        frames[top].size += size
        if !frames[top].isMapping {
            values.push(v)
        } else if !frames[top].hasKey {
            try setKey(v, line: line, column: column)
        } else if frames[top].keyIsMerge {
            frames[top].hasKey = false
            frames[top].keyIsMerge = false
            try addMergeSource(v, line: line, column: column)
        } else {
            frames[top].hasKey = false
            var key = ""
            swap(&key, &frames[top].key)
            entries.push(ValueObject.Entry(key: key, value: v))
            keyInfo.push(KeyInfo(hash: frames[top].keyHash, line: Int32(truncatingIfNeeded: frames[top].keyLine)))
        }
    }

    private mutating func setKey(_ v: Value, line: Int, column: Int) throws(YAMLError) {
        guard var key = KeyString.of(v) else {
            throw error(line, column, "map key must be a string, number or boolean, not \(v.typeName)")
        }
        let hash = key.withUTF8 { KeyInfo.hash($0) }
        try setKey(key, hash: hash, line: line, column: column)
    }

    private mutating func setKey(_ key: String, hash: UInt32, line: Int, column: Int) throws(YAMLError) {
        let top = frames.count - 1
        let start = frames[top].start
        let count = entries.count - start
        if count < 32 {
            var i = start
            while i < entries.count {
                if keyInfo[i].hash == hash && entries[i].key == key {
                    throw error(line, column, "mapping key \"\(key)\" already defined at line \(keyInfo[i].line)")
                }
                i += 1
            }
        } else {
            let extras = extras(top)
            if extras.keyIndex == nil {
                var index: [String: Int] = [:]
                index.reserveCapacity(count * 2)
                for i in start..<entries.count { index[entries[i].key] = i }
                extras.keyIndex = index
            }
            if let i = extras.keyIndex![key] {
                throw error(line, column, "mapping key \"\(key)\" already defined at line \(keyInfo[i].line)")
            }
            extras.keyIndex![key] = entries.count
        }
        frames[top].keyHash = hash
        frames[top].hasKey = true
        frames[top].key = key
        frames[top].keyLine = line
    }

    private mutating func addMergeSource(_ v: Value, line: Int, column: Int) throws(YAMLError) {
        let extras = extras(frames.count - 1)
        if extras.mergeAt < 0 { extras.mergeAt = entries.count }
        switch v {
        case .object(let o):
            extras.merges.append(o)
        case .array(let items):
            for item in items {
                guard case .object(let o) = item else {
                    throw error(line, column, "map merge requires map or sequence of maps as the value")
                }
                extras.merges.append(o)
            }
        default:
            throw error(line, column, "map merge requires map or sequence of maps as the value")
        }
    }
}

/// A map member's key hash and line, kept beside the members while the map is open.
struct KeyInfo {
    var hash: UInt32
    var line: Int32

    /// A cheap hash of a string's bytes: its length and its first, middle and last eight bytes.
    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let n = b.count
        var x = UInt64(n) &* 0x9E37_79B9_7F4A_7C15
        if n >= 8 {
            let raw = UnsafeRawPointer(b.baseAddress!)
            x ^= raw.loadUnaligned(as: UInt64.self)
            x = (x ^ (x >> 29)) &* 0xBF58_476D_1CE4_E5B9
            if n > 16 {
                x ^= raw.loadUnaligned(fromByteOffset: n / 2 - 4, as: UInt64.self)
                x = (x ^ (x >> 29)) &* 0xBF58_476D_1CE4_E5B9
            }
            x ^= raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            for c in b { x = (x << 8) | UInt64(c) }
        }
        x = (x ^ (x >> 31)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: x ^ (x >> 32))
    }
}
