import PlumbGit

/// What the trust policy decided about a revision: passed, with the revision's own signature
/// verdict, or failed, naming the commit, the path and why.
public struct TrustVerdict: Sendable, Hashable {
    /// The revision judged.
    public var revision: GitOID
    /// For a pass, the revision's signature; for a failure, the failing commit's (with
    /// status `not-allowed` when its signature was good but its signer not allowed).
    public var signature: SignatureVerdict
    /// The commit that failed, nil when the policy passed.
    public var failingCommit: GitOID?
    /// A path the failing commit changes that the policy does not let it change, when it changes any.
    public var failingPath: String?
    /// How many commits were checked.
    public var commitsChecked: Int

    public var passed: Bool { failingCommit == nil }

    /// `commit 3f9c2ab: apps/payments/deploy.yaml: not-allowed: signed by ... not allowed for apps/payments/** (rules[0])`.
    public var message: String {
        guard let failingCommit else {
            return
                "revision \(revision.short): \(signature.description), \(commitsChecked) commit\(commitsChecked == 1 ? "" : "s") checked"
        }
        return "commit \(failingCommit.short): " + (failingPath.map { "\($0): " } ?? "")
            + "\(signature.status.rawValue): \(signature.reason)"
    }
}

extension TrustPolicy {
    /// How many first-parent commits `every-commit` walks back at most looking for `since`.
    public static let walkLimit = 10_000

    /// Judges `revision` of `repository`. `since` is the last revision that passed the policy
    /// for this app (nil: none yet, and only `revision` itself is checked). In `HEAD` mode the
    /// revision's signer answers for every path changed since `since`; in `every-commit` mode
    /// each first-parent commit after `since` answers for the paths it changes. Should `since`
    /// not be a first-parent ancestor (history rewritten), the revision answers for everything
    /// changed since `since`, as in `HEAD` mode. Throws `GitError`.
    public func check(_ repository: GitRepository, revision: GitOID, since: GitOID?) throws -> TrustVerdict {
        var steps: [(commit: GitOID, paths: [String])] = []
        if since == revision {
            steps = []
        } else if mode == .everyCommit, let since,
            let chain = try firstParentChain(repository, from: revision, to: since)
        {
            for commit in chain.reversed() { steps.append((commit, try changes(repository, of: commit, from: nil))) }
        } else {
            steps = [(revision, try changes(repository, of: revision, from: since))]
        }
        var last: SignatureVerdict?
        for step in steps {
            let verdict = verifier.verify(try repository.signature(of: step.commit))
            guard verdict.isGood else {
                return TrustVerdict(
                    revision: revision, signature: verdict, failingCommit: step.commit, failingPath: step.paths.first,
                    commitsChecked: steps.count)
            }
            for path in step.paths {
                guard let rule = rule(for: path), !rule.allows(verdict) else { continue }
                var denied = verdict
                denied.status = .notAllowed
                denied.reason =
                    "signed by \(verdict.signer ?? "?") (key \(verdict.fingerprint ?? "?")), who may not sign \(rule.paths.map(\.pattern).joined(separator: ", ")) (\(rule.name) of \(file))"
                return TrustVerdict(
                    revision: revision, signature: denied, failingCommit: step.commit, failingPath: path,
                    commitsChecked: steps.count)
            }
            last = verdict
        }
        var signature = try last ?? verifier.verify(repository.signature(of: revision))
        if steps.count > 1 { signature.reason += "; \(steps.count) commits since \(since?.short ?? "?") verified" }
        return TrustVerdict(
            revision: revision, signature: signature, failingCommit: nil, failingPath: nil, commitsChecked: steps.count)
    }

    /// The first-parent commits from `revision` back to `since` (exclusive), newest first;
    /// nil when `since` is not among them.
    func firstParentChain(_ repository: GitRepository, from revision: GitOID, to since: GitOID) throws -> [GitOID]? {
        var chain: [GitOID] = []
        var current: GitOID? = revision
        while let id = current, chain.count < Self.walkLimit {
            if id == since { return chain }
            chain.append(id)
            current = try repository.commit(id).parents.first
        }
        return nil
    }

    /// The paths `commit` changes against `base` (default its first parent; a root commit
    /// changes every file), old paths of renames included.
    func changes(_ repository: GitRepository, of commit: GitOID, from base: GitOID?) throws -> [String] {
        guard let from = try base ?? repository.commit(commit).parents.first else {
            return try repository.snapshot(at: commit).files().map(\.path)
        }
        var paths: [String] = []
        for change in try repository.changedPaths(from: from, to: commit) {
            paths.append(change.path)
            if let old = change.oldPath { paths.append(old) }
        }
        return paths
    }
}
