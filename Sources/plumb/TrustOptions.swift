import ArgumentParser
import PlumbAudit
import PlumbController
import PlumbGit
import PlumbManifests

/// `--trust-policy FILE`: which commits may be synced (docs/governance.md, "Commit signatures").
/// The file is the operator's; it is never read from the repository it judges.
struct TrustOptions: ParsableArguments {
    @Option(
        help:
            "A trust policy (YAML): the keys commits must be signed with, per path; a commit that fails it is not synced (exit 2)."
    )
    var trustPolicy: String?

    func validate() throws {
        if let trustPolicy {
            do {
                _ = try TrustPolicy.load(trustPolicy)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The policy's verdict on the commit `loaded` came from (nil without --trust-policy),
    /// passed or not. `since` is the last verified revision (where `every-commit` starts).
    func check(_ loaded: LoadedSource, source: RepoOptions, since: GitOID?) throws -> TrustVerdict? {
        guard let policy = try policy() else { return nil }
        let verdict: TrustVerdict
        do {
            // The clone loadSource just fetched, opened without fetching again: the commit
            // judged is the commit loaded.
            let repository: GitRepository
            if let path = try GitSource.cachePath(for: source.repo, options: source.sourceOptions) {
                repository = try GitRepository.open(path: path)
            } else {
                repository = try GitSource.open(url: source.repo, options: source.sourceOptions)
            }
            let base = try since.flatMap { try repository.contains($0) ? $0 : nil }
            verdict = try policy.check(repository, revision: loaded.commit.id, since: base)
        } catch let error as GitError {
            throw CLIError(error.description)
        }
        return verdict
    }

    /// The newest revision of `app` synced under a good verdict in the audit database, if
    /// there is one.
    static func lastVerified(app: String, audit: AuditOptions) -> GitOID? {
        guard let store = try? audit.database().open(create: false) else { return nil }
        return AuditedSync.lastVerifiedRevision(store, app: app)
    }
}

extension TrustVerdict {
    /// The one line `plumb sync` and `plumb diff` fail with (exit 2).
    var refusal: CLIError { CLIError("signature verification failed: \(message)") }
}

extension GitRepository {
    /// Whether the object database holds commit `id`.
    func contains(_ id: GitOID) throws -> Bool {
        do {
            _ = try commit(id)
            return true
        } catch let error as GitError where error.kind == .notFound {
            return false
        }
    }
}

extension TrustOptions {
    /// The policy of --trust-policy, read and checked (nil without the flag).
    func policy() throws -> TrustPolicy? {
        guard let trustPolicy else { return nil }
        do {
            return try TrustPolicy.load(trustPolicy)
        } catch {
            throw CLIError(error.description)
        }
    }
}

extension LoadedSource {
    /// The `revision ...` line, with the trust policy's verdict when there is one:
    /// `..., signed: yes, verified: good gpg signature by Ada <ada@acme.dev> (key DB4F...)`.
    func header(_ trust: TrustVerdict?) -> String {
        guard let trust, trust.passed else { return header }
        return header + ", verified: \(trust.signature.description)"
    }
}
