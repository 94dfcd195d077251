/// Masking decrypted values in what a diff or a sync produced, so that every printer, the audit
/// trail, statuses and PR comments get results with no sensitive value in them: a field whose
/// value holds one becomes a masked change (lengths only, as Secret data), any other text that
/// holds one (errors, paths, whole objects) has it replaced by the Secret mask.
extension SensitiveValues {
    /// `value` with every sensitive value in its strings and keys masked.
    public func masked(_ value: Value) -> Value {
        guard !isEmpty else { return value }
        switch value {
        case .string(let s): return .string(redact(s))
        case .array(let a): return .array(a.map(masked))
        case .object(let o):
            var out = ValueObject(minimumCapacity: o.count)
            for e in o.entries {
                // Keys stay unique: a masked key keeps its position and the first value.
                let key = redact(e.key)
                if out[key] == nil { out.appendUnchecked(key: key, value: masked(e.value)) }
            }
            return .object(out)
        default: return value
        }
    }

    /// Whether `value` holds a sensitive value anywhere.
    public func leaks(_ value: Value) -> Bool {
        switch value {
        case .string(let s): return leaks(s)
        case .array(let a): return a.contains { leaks($0) }
        case .object(let o): return o.entries.contains { leaks($0.key) || leaks($0.value) }
        default: return false
        }
    }

    /// The change masked like Secret data when either side holds a sensitive value.
    public func masked(_ change: FieldChange) -> FieldChange {
        guard !isEmpty, !change.masked else { return change }
        let path = redact(change.path)
        let old = change.old
        let new = change.new
        if old.map(leaks) == true || new.map(leaks) == true {
            return FieldChange(maskedPath: path, oldLength: old.map(Self.length), newLength: new.map(Self.length))
        }
        var out = change
        out.path = path
        return out
    }

    public func masked(_ object: ObjectChange) -> ObjectChange {
        guard !isEmpty else { return object }
        var out = object
        out.changes = object.changes.map(masked)
        out.error = object.error.map(redact)
        return out
    }

    public func masked(_ set: ChangeSet) -> ChangeSet {
        guard !isEmpty else { return set }
        var out = set
        out.objects = set.objects.map(masked)
        out.interruption = set.interruption.map(redact)
        return out
    }

    public func masked(_ diff: ObjectDiff) -> ObjectDiff {
        guard !isEmpty else { return diff }
        var out = diff
        out.changes = diff.changes.map(masked)
        // The live side is masked where the predicted side holds a sensitive value: the live
        // value there is the same secret at an earlier commit.
        out.before = diff.before.map { masked($0, alongside: diff.after) }
        out.after = diff.after.map(masked)
        return out
    }

    /// `value` masked, and its leaves masked whole where `other` at the same place leaks.
    func masked(_ value: Value, alongside other: Value?) -> Value {
        switch value {
        case .object(let o):
            var out = ValueObject(minimumCapacity: o.count)
            for e in o.entries {
                let key = redact(e.key)
                if out[key] == nil { out.appendUnchecked(key: key, value: masked(e.value, alongside: other?[e.key])) }
            }
            return .object(out)
        case .array(let a):
            let others = other?.arrayValue ?? []
            return .array(
                a.enumerated().map { masked($0.element, alongside: $0.offset < others.count ? others[$0.offset] : nil) }
            )
        case .null:
            return value
        default:
            if let other, leaks(other) { return .string("(\(Self.length(value)) bytes masked)") }
            return masked(value)
        }
    }

    /// The byte length shown for a masked value: its text (a string's bytes, else its JSON).
    static func length(_ value: Value) -> Int {
        if case .string(let s) = value { return s.utf8.count }
        return value.compactJSON.utf8.count
    }
}
