import ArgumentParser
import PlumbCore
import PlumbGit
import PlumbManifests

extension LoadedSource {
    /// `3f9c2ab "Bump web to 1.26" by Ada <ada@acme.dev>, signed: no`.
    var header: String {
        "revision \(commit.id.short) \(Value.string(commit.summary).jsonString) by \(commit.author.name) <\(commit.author.email)>, signed: \(signed ? "yes" : "no")"
    }
}

extension RepoOptions {
    /// Loads `revision` (or the one given) rendered for `app` (default the last component of
    /// the path), with its signature and the ignore rules of the `.plumb.yaml` in the path,
    /// read from the same commit.
    func loadSource(revision override: String? = nil, app: String? = nil) throws -> LoadedSource {
        let render = try renderer.renderOptions(manifestOptions, app: renderAppName(app))
        do {
            let repository = try GitSource.open(url: repo, options: sourceOptions)
            let loaded = try LoadedSource.load(repository, revision: override ?? revision, render: render)
            Terminal.addSensitive(loaded.secrets)  // decrypted SOPS values are never printed
            return loaded
        } catch let error as ManifestErrors {
            throw CLIError(error.description)
        } catch let error as GitError {
            throw CLIError(error.description)
        } catch let error as SettingsError {
            throw CLIError(error.description)
        }
    }
}

extension PlumbSettings {
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
