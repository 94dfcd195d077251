import ArgumentParser
import PlumbCore
import PlumbGit
import PlumbManifests
import PlumbYAML

/// One commit's desired state with what the audit trail and the header line need about it.
struct LoadedSource {
    var commit: GitCommitInfo
    var desired: [Resource]
    var signed: Bool
    var ignoreRules: [IgnoreRule]
    var branch: String?

    /// `3f9c2ab "Bump web to 1.26" by Ada <ada@acme.dev>, signed: no`.
    var header: String {
        "revision \(commit.id.short) \(Value.string(commit.summary).jsonString) by \(commit.author.name) <\(commit.author.email)>, signed: \(signed ? "yes" : "no")"
    }
}

extension RepoOptions {
    /// Loads `revision` (or the one given) with its signature and the ignore rules of the
    /// `.plumb.yaml` in the path, read from the same commit.
    func loadSource(revision override: String? = nil) throws -> LoadedSource {
        do {
            let repository = try GitSource.open(url: repo, options: sourceOptions)
            let commit = try repository.resolve(override ?? revision)
            let snapshot = try repository.snapshot(at: commit.id)
            let desired = try ManifestLoader(options: manifestOptions).load(from: GitSnapshotReader(snapshot))
            let signed = try repository.signature(of: commit.id) != nil
            let settingsPath = path.split(separator: "/").map(String.init).filter { $0 != "." } .joined(separator: "/")
            let file = settingsPath.isEmpty ? ".plumb.yaml" : settingsPath + "/.plumb.yaml"
            var rules: [IgnoreRule] = []
            if try snapshot.entry(file) != nil {
                rules = try PlumbSettings.ignoreRules(try snapshot.read(file), file: file)
            }
            let name = override ?? revision
            let branch = name == "HEAD" ? repository.headBranch() : name.count >= 7 && GitOID(hex: name) != nil ? nil : name
            return LoadedSource(commit: commit, desired: desired.resources, signed: signed, ignoreRules: rules, branch: branch)
        } catch let error as ManifestErrors {
            throw CLIError(error.description)
        } catch let error as GitError {
            throw CLIError(error.description)
        }
    }
}

/// `.plumb.yaml` in an app's path: `ignoreDifferences: [{group, kind, name, namespace, jsonPointers}]`.
enum PlumbSettings {
    static func ignoreRules(_ bytes: [UInt8], file: String) throws -> [IgnoreRule] {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: file)
        } catch {
            throw CLIError("\(error)")
        }
        var rules: [IgnoreRule] = []
        for doc in documents {
            guard let list = doc.value["ignoreDifferences"] else { continue }
            guard let items = list.arrayValue else { throw CLIError("\(file): ignoreDifferences: must be a list") }
            for (i, item) in items.enumerated() {
                let pointers = item["jsonPointers"]?.arrayValue?.compactMap(\.stringValue) ?? []
                guard !pointers.isEmpty, pointers.allSatisfy({ JSONPointer($0) != nil }) else {
                    throw CLIError("\(file): ignoreDifferences[\(i)].jsonPointers: a list of JSON pointers such as /spec/replicas")
                }
                rules.append(IgnoreRule(
                    group: item["group"]?.stringValue, kind: item["kind"]?.stringValue, name: item["name"]?.stringValue,
                    namespace: item["namespace"]?.stringValue, jsonPointers: pointers))
            }
        }
        return rules
    }

    /// `--ignore KIND[/NAMESPACE/NAME]:/json/pointer` (a cluster-scoped object: `KIND//NAME`).
    static func ignoreRule(flag text: String) throws -> IgnoreRule {
        guard let colon = text.firstIndex(of: ":"), JSONPointer(String(text[text.index(after: colon)...])) != nil else {
            throw ValidationError("--ignore \(text): expected KIND[/NAMESPACE/NAME]:/json/pointer")
        }
        let selector = text[..<colon].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let pointer = String(text[text.index(after: colon)...])
        switch selector.count {
        case 1: return IgnoreRule(kind: selector[0], jsonPointers: [pointer])
        case 3: return IgnoreRule(kind: selector[0], name: selector[2], namespace: selector[1], jsonPointers: [pointer])
        default: throw ValidationError("--ignore \(text): expected KIND[/NAMESPACE/NAME]:/json/pointer")
        }
    }
}
