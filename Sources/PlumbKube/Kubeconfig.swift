import Foundation
import PlumbCore

/// One kubeconfig file, or several merged by kubectl's rules. Paths in it are absolute:
/// relative ones were resolved against the file that contained them.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable {
        public var name: String
        public var server: String
        public var certificateAuthority: String?
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipTLSVerify = false
        public var tlsServerName: String?
        public var proxyURL: String?
        /// The file and field path this entry came from, for error messages.
        public var origin: Origin
    }

    public struct User: Sendable {
        public var name: String
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: [UInt8]?
        public var clientKey: String?
        public var clientKeyData: [UInt8]?
        public var exec: ExecConfig?
        public var origin: Origin
    }

    public struct Context: Sendable {
        public var name: String
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var origin: Origin
    }

    /// Where an entry was defined: `users[0].user` of a file.
    public struct Origin: Sendable {
        public var file: String
        public var path: String

        func error(_ field: String, _ message: String) -> KubeconfigError {
            KubeconfigError(file: file, field: field.isEmpty ? path : "\(path).\(field)", message: message)
        }
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The files merged, in order.
    public var files: [String] = []

    public init() {}

    /// Parses one kubeconfig document read from `file`.
    public init(_ document: Value, file: String) throws(KubeconfigError) {
        files = [file]
        let dir = (file as NSString).deletingLastPathComponent
        guard case .object = document else {
            if document.isNull { return }  // an empty file is an empty config, as in kubectl
            throw KubeconfigError(file: file, field: "", message: "not a kubeconfig (a \(document.typeName))")
        }
        let r = FieldReader(file: file, dir: dir)
        currentContext = try r.string(document, "current-context", at: "").flatMap { $0.isEmpty ? nil : $0 }
        clusters = try r.named(document, "clusters", "cluster") { name, c, origin throws(KubeconfigError) in
            Cluster(
                name: name, server: try r.string(c, "server", at: origin.path) ?? "",
                certificateAuthority: try r.path(c, "certificate-authority", at: origin.path),
                certificateAuthorityData: try r.base64(c, "certificate-authority-data", at: origin.path),
                insecureSkipTLSVerify: try r.bool(c, "insecure-skip-tls-verify", at: origin.path),
                tlsServerName: try r.string(c, "tls-server-name", at: origin.path),
                proxyURL: try r.string(c, "proxy-url", at: origin.path), origin: origin)
        }
        users = try r.named(document, "users", "user") { name, u, origin throws(KubeconfigError) in
            User(
                name: name, token: try r.string(u, "token", at: origin.path),
                tokenFile: try r.path(u, "tokenFile", at: origin.path),
                clientCertificate: try r.path(u, "client-certificate", at: origin.path),
                clientCertificateData: try r.base64(u, "client-certificate-data", at: origin.path),
                clientKey: try r.path(u, "client-key", at: origin.path),
                clientKeyData: try r.base64(u, "client-key-data", at: origin.path),
                exec: try ExecConfig(u["exec"], reader: r, at: "\(origin.path).exec"), origin: origin)
        }
        contexts = try r.named(document, "contexts", "context") { name, c, origin throws(KubeconfigError) in
            Context(
                name: name, cluster: try r.string(c, "cluster", at: origin.path) ?? "",
                user: try r.string(c, "user", at: origin.path) ?? "",
                namespace: try r.string(c, "namespace", at: origin.path), origin: origin)
        }
    }
}

/// A kubeconfig that cannot be used: one line naming the file and the field.
public struct KubeconfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var field: String
    public var message: String

    public init(file: String, field: String, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String {
        field.isEmpty ? "kubeconfig \(file): \(message)" : "kubeconfig \(file): \(field): \(message)"
    }
}

/// Reads typed fields of one file, naming the field in every error.
struct FieldReader {
    let file: String
    let dir: String

    func fail(_ path: String, _ key: String, _ message: String) -> KubeconfigError {
        KubeconfigError(file: file, field: path.isEmpty ? key : "\(path).\(key)", message: message)
    }

    func list(_ v: Value, _ key: String) throws(KubeconfigError) -> [Value] {
        guard let field = v[key], !field.isNull else { return [] }
        guard let items = field.arrayValue else { throw fail("", key, "must be a list, not \(field.typeName)") }
        return items
    }

    /// The entries of a named list (`clusters`, each with its fields under `cluster`), built by
    /// `make` from the entry's name, those fields and where they sit. The first entry of a name
    /// wins, as in kubectl.
    func named<T>(
        _ document: Value, _ listKey: String, _ fieldsKey: String,
        _ make: (String, Value, Kubeconfig.Origin) throws(KubeconfigError) -> T
    ) throws(KubeconfigError) -> [String: T] {
        var out: [String: T] = [:]
        for (i, entry) in try list(document, listKey).enumerated() {
            let path = "\(listKey)[\(i)]"
            let name = try self.name(entry, at: path)
            let fields = try object(entry, fieldsKey, at: path)
            // Every entry is read (a bad field fails even in a repeated name); the first one is kept.
            let value = try make(name, fields, Kubeconfig.Origin(file: file, path: "\(path).\(fieldsKey)"))
            if out[name] == nil { out[name] = value }
        }
        return out
    }

    func object(_ v: Value, _ key: String, at path: String) throws(KubeconfigError) -> Value {
        guard let field = v[key], !field.isNull else { return .object(ValueObject()) }
        guard case .object = field else { throw fail(path, key, "must be a map, not \(field.typeName)") }
        return field
    }

    func name(_ entry: Value, at path: String) throws(KubeconfigError) -> String {
        guard case .object = entry else { throw fail(path, "", "must be a map, not \(entry.typeName)") }
        guard let name = try string(entry, "name", at: path), !name.isEmpty else {
            throw fail(path, "name", "missing")
        }
        return name
    }

    func string(_ v: Value, _ key: String, at path: String) throws(KubeconfigError) -> String? {
        guard let field = v[key], !field.isNull else { return nil }
        guard let s = field.stringValue else { throw fail(path, key, "must be a string, not \(field.typeName)") }
        return s
    }

    func bool(_ v: Value, _ key: String, at path: String) throws(KubeconfigError) -> Bool {
        guard let field = v[key], !field.isNull else { return false }
        guard let b = field.boolValue else { throw fail(path, key, "must be true or false, not \(field.typeName)") }
        return b
    }

    /// A file path, made absolute against the directory of the kubeconfig file.
    func path(_ v: Value, _ key: String, at path: String) throws(KubeconfigError) -> String? {
        guard let s = try string(v, key, at: path), !s.isEmpty else { return nil }
        return resolve(s)
    }

    func resolve(_ s: String) -> String {
        if s.hasPrefix("/") { return s }
        if s.hasPrefix("~/") { return NSHomeDirectory() + String(s.dropFirst(1)) }
        return ((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(s)
    }

    func base64(_ v: Value, _ key: String, at path: String) throws(KubeconfigError) -> [UInt8]? {
        guard let s = try string(v, key, at: path), !s.isEmpty else { return nil }
        let compact = s.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { throw fail(path, key, "not valid base64") }
        return [UInt8](data)
    }
}
