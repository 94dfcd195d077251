import Crypto
import PlumbCore

/// The content-hash name suffix of generated ConfigMaps and Secrets, exactly as kustomize's
/// `hasher` computes it: SHA-256 of Go's JSON of kind, name, (type,) data, shortened to ten
/// hex digits with 0, 1, 3, a, e swapped for g, h, k, m, t (so it never reads as a number).
/// The name is always empty: kustomize looks it up as one field called "metadata/name".
enum KustomizeHash {
    /// Appends `-<hash>` to the name of every object that asked for it.
    static func addSuffixes(_ resources: inout [KustomizeResource]) {
        for i in resources.indices where resources[i].needsHash {
            let hash = suffix(of: resources[i].value)
            resources[i].rename(resources[i].name + "-" + hash)
            resources[i].needsHash = false
        }
    }

    /// The ten-character suffix of one object.
    static func suffix(of object: Value) -> String {
        let kind = object["kind"]?.stringValue ?? ""
        var m = ValueObject()
        func field(_ v: Value?) -> Value { v ?? .string("") }
        switch kind {
        case "ConfigMap":
            m["kind"] = "ConfigMap"
            m["name"] = ""
            m["data"] = field(object["data"])
            if case .object? = object["binaryData"] { m["binaryData"] = object["binaryData"] }
        case "Secret":
            m["kind"] = "Secret"
            m["type"] = field(object["type"])
            m["name"] = ""
            m["data"] = field(object["data"])
            if case .object? = object["stringData"] { m["stringData"] = object["stringData"] }
        default:
            m = object.objectValue ?? ValueObject()
        }
        var json: [UInt8] = []
        GoJSON.write(.object(m), into: &json)
        let digest = SHA256.hash(data: json)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest.prefix(5) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
        let swapped = out.map { c -> UInt8 in
            switch c {
            case UInt8(ascii: "0"): return UInt8(ascii: "g")
            case UInt8(ascii: "1"): return UInt8(ascii: "h")
            case UInt8(ascii: "3"): return UInt8(ascii: "k")
            case UInt8(ascii: "a"): return UInt8(ascii: "m")
            case UInt8(ascii: "e"): return UInt8(ascii: "t")
            default: return c
            }
        }
        return String(decoding: swapped, as: UTF8.self)
    }
}

/// JSON as Go's `encoding/json` writes it: map keys sorted bytewise, `<`, `>`, `&`, U+2028 and
/// U+2029 escaped as \u sequences, other control characters as \b \f \n \r \t or \u00xx.
enum GoJSON {
    static func write(_ value: Value, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d):
            if d == d.rounded(), abs(d) < 1e21 {
                out += Array(String(Int64(d)).utf8)
            } else {
                out += Array("\(d)".utf8)
            }
        case .string(let s): string(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            let entries = o.entries.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            for (i, e) in entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                string(e.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(e.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func string(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += [92, 34]
            case "\\": out += [92, 92]
            case "\n": out += [92, UInt8(ascii: "n")]
            case "\r": out += [92, UInt8(ascii: "r")]
            case "\t": out += [92, UInt8(ascii: "t")]
            case "\u{08}": out += [92, UInt8(ascii: "b")]
            case "\u{0C}": out += [92, UInt8(ascii: "f")]
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                let v = scalar.value
                out += [
                    92, UInt8(ascii: "u"), hex[Int(v >> 12 & 15)], hex[Int(v >> 8 & 15)], hex[Int(v >> 4 & 15)],
                    hex[Int(v & 15)],
                ]
            default:
                if scalar.value < 0x20 {
                    out += [
                        92, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(scalar.value >> 4)],
                        hex[Int(scalar.value & 15)],
                    ]
                } else {
                    out += Array(String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
