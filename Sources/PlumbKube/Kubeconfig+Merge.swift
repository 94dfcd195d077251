import Foundation
import PlumbCore
import PlumbYAML

/// The kubectl flags that choose a configuration.
public struct KubeconfigFlags: Sendable {
    /// `--kubeconfig`: only this file, which must exist.
    public var kubeconfig: String?
    /// `--context`: instead of `current-context`.
    public var context: String?
    /// `--namespace`: instead of the context's namespace.
    public var namespace: String?

    public init(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
    }
}

extension Kubeconfig {
    /// Reads and parses one file.
    public static func read(file: String) throws(KubeconfigError) -> Kubeconfig {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw KubeconfigError(file: file, field: "", message: "cannot read the file")
        }
        return try Kubeconfig(try KubeconfigSyntax.parse([UInt8](data), file: file), file: file)
    }

    /// Merges `other` into this config by kubectl's rules: an entry already here wins, and so
    /// does a `current-context` already set.
    public mutating func merge(_ other: Kubeconfig) {
        for (name, c) in other.clusters where clusters[name] == nil { clusters[name] = c }
        for (name, u) in other.users where users[name] == nil { users[name] = u }
        for (name, c) in other.contexts where contexts[name] == nil { contexts[name] = c }
        if currentContext == nil { currentContext = other.currentContext }
        files += other.files
    }

    /// The files kubectl would read: `--kubeconfig` alone, else every existing file of
    /// `KUBECONFIG` (colon-separated, duplicates dropped), else `~/.kube/config` if it exists.
    public static func files(flags: KubeconfigFlags, environment: [String: String], home: String) -> [String] {
        if let explicit = flags.kubeconfig, !explicit.isEmpty { return [explicit] }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            return list.split(separator: ":").map(String.init).filter {
                !$0.isEmpty && seen.insert($0).inserted && FileManager.default.fileExists(atPath: $0)
            }
        }
        let home = (home as NSString).appendingPathComponent(".kube/config")
        return FileManager.default.fileExists(atPath: home) ? [home] : []
    }

    /// Loads and merges the files `flags` and the environment choose; nil when there are none.
    public static func load(flags: KubeconfigFlags, environment: [String: String], home: String) throws(KubeconfigError)
        -> Kubeconfig?
    {
        let files = files(flags: flags, environment: environment, home: home)
        guard !files.isEmpty else { return nil }
        var merged = Kubeconfig()
        for file in files { merged.merge(try read(file: file)) }
        return merged
    }
}

/// How kubeconfig text becomes a `Value`: YAML 1.1 as kubectl reads it; the first document counts.
enum KubeconfigSyntax {
    static func parse(_ bytes: [UInt8], file: String) throws(KubeconfigError) -> Value {
        do {
            return try YAML.parseDocuments(bytes, file: file).first?.value ?? .null
        } catch {
            throw KubeconfigError(
                file: file, field: "",
                message: "not valid YAML: line \(error.location.line) column \(error.location.column): \(error.message)")
        }
    }
}
