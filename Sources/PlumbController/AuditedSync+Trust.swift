import PlumbAudit
import PlumbCore
import PlumbGit
import PlumbManifests

extension AuditSignature {
    /// The audit trail's form of a trust policy verdict: status, format, signer, key
    /// fingerprint, and the one-line reason (starting with the commit and path for a failure).
    public init(_ trust: TrustVerdict) {
        let s = trust.signature
        self.init(
            status: Status(rawValue: s.status.rawValue) ?? .error, format: s.format?.rawValue, signer: s.signer,
            fingerprint: s.fingerprint,
            reason: trust.failingCommit.map {
                "commit \($0.short): " + (trust.failingPath.map { "\($0): " } ?? "") + s.reason
            } ?? s.reason)
    }
}

extension AuditedSync {
    /// The newest revision of the app synced under a good verdict: where `every-commit`
    /// starts walking. Looks at the newest `window` records of the app.
    public static func lastVerifiedRevision(_ store: any AuditStore, app: String, window: Int = 200) -> GitOID? {
        guard let records = try? store.history(app: app, limit: window) else { return nil }
        let verified = records.first {
            ($0.result == .synced || $0.result == .dryRun) && $0.signature.status == .good && $0.kind == .sync
        }
        return verified.flatMap { GitOID(hex: $0.revision) }
    }

    /// Records that `source` was refused by the trust policy: a `failed` record with the
    /// verdict and no objects, written before anything could be (nothing was). Returns its id.
    public func refuse(_ source: LoadedSource, trust: TrustVerdict) throws -> Int64 {
        let commit = source.commit
        let previous = try? store.lastRevision(app: app, result: .synced)
        let record = AuditRecord(
            kind: kind, app: app, target: targetName, repo: repo, revision: commit.id.hex,
            author: Self.person(commit.author.name, commit.author.email),
            committer: Self.person(commit.committer.name, commit.committer.email), message: commit.message,
            signature: AuditSignature(trust), previousRevision: previous, initiator: initiator, options: auditOptions)
        let id = try store.begin(record)
        try store.complete(
            id, result: .failed, endedAt: .now(), objects: [], error: "signature verification failed: \(trust.message)")
        return id
    }
}
