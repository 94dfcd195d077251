import PlumbCore

/// The objects of a Jsonnet output (or of any renderer's JSON): an object with `apiVersion` and
/// `kind` is one object, an array holds objects, and any other map holds objects or further
/// maps of them (kube-prometheus' `{ prometheus: { service: ..., statefulSet: ... } }`), taken
/// in key order. `null` members are skipped, as kubecfg and Argo CD skip them.
public enum JsonnetOutput {
    /// Appends the objects of `value` (at `path`, for errors: `.prometheus.service`) to `out`.
    public static func objects(
        _ value: Value, at path: String, into out: inout [(Value, SourceLocation)], location: SourceLocation
    ) throws(ManifestError) {
        switch value {
        case .object(let object):
            if object["apiVersion"] != nil || object["kind"] != nil {
                out.append((value, location))
                return
            }
            for e in object.entries { try objects(e.value, at: path + "." + e.key, into: &out, location: location) }
        case .array(let items):
            for (i, item) in items.enumerated() {
                try objects(item, at: path + "[\(i)]", into: &out, location: location)
            }
        case .null:
            return
        default:
            throw ManifestError(
                file: location.file,
                message: "output\(path.isEmpty ? "" : " " + path): expected Kubernetes objects, not \(value.typeName)")
        }
    }
}
