import ArgumentParser
import PlumbAudit

/// `plumb sync`: makes the cluster match a path of a commit and records it.
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a path of a Git commit to the cluster and record it in the audit trail.",
        discussion: """
            Validates every object with a server-side apply dry-run first and applies nothing if one fails; then applies wave by wave with server-side apply (field manager plumb), prunes the app's objects that left Git when asked, and waits for health when asked. Every sync is recorded against the commit (see plumb history).

            With -o json the result (every object's action, the audit ID, the revision and the result) is one JSON document on stdout and the progress lines go to stderr.

            Exit status: 0 synced, 1 an object failed or the sync was interrupted (the result is printed and recorded), 2 an error before the sync started (bad input, unreadable repository, unreachable cluster).

            Examples:
              plumb sync --repo . --path fixtures/demo --sandbox --prune --wait
              plumb sync --repo https://git.example.com/deploy.git --revision main --path apps/web --context prod --dry-run
              plumb sync --repo . --path apps/web --force-conflicts --timeout 10m --wait
              plumb sync --repo . --path apps/web --context prod -o json > result.json
            """)

    @OptionGroup var source: RepoOptions
    @OptionGroup var kube: KubeOptions
    @OptionGroup var flags: SyncFlags
    @OptionGroup var audit: AuditOptions
    @OptionGroup var trust: TrustOptions
    @OptionGroup var checks: PolicyOptions
    @OptionGroup(title: "Change management") var change: ChangeOptions
    @OptionGroup(title: "Tenancy") var tenancy: TenancyOptions

    @Option(name: .shortAndLong, help: "Output format: text or json (the result on stdout, progress on stderr).")
    var output: SyncOutputFormat = .text

    func run() async throws {
        let loaded = try source.loadSource(app: flags.app)
        let appName = try AppName.resolve(flags.app, path: source.path)
        let verdict = try trust.check(loaded, source: source, since: TrustOptions.lastVerified(app: appName, audit: audit))
        try await change.withAuditSinks(audit: audit) {
            try await SyncRunner(source: source, kube: kube, flags: flags, audit: audit, json: output == .json, trust: verdict,
                policy: checks, change: change, tenancy: tenancy)
                .run(loaded)
        }
    }
}

/// `plumb rollback`: syncs the manifests of an earlier revision, recorded as a rollback.
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sync the manifests of an earlier revision (an audit record or a commit).",
        discussion: """
            --to takes an audit record id (its revision, and its app unless --app is given) or a commit SHA. The manifests are read at that revision from the repository and path given, as plumb sync reads them, and synced like plumb sync does; the audit record's kind is rollback. -o json prints the result as plumb sync -o json does.

            Exit status: as plumb sync (0 synced, 1 an object failed or the sync was interrupted, 2 an error before the sync started, including an audit record id that is not in the audit trail).

            Examples:
              plumb rollback --to 41 --repo . --path fixtures/demo --sandbox
              plumb rollback --to 9d01e77 --repo . --path apps/web --context prod --wait
              plumb rollback --to 41 --repo . --path apps/web -o json
            """)

    @Option(help: "An audit record id or a commit SHA.")
    var to: String

    @OptionGroup var source: RepoOptions
    @OptionGroup var kube: KubeOptions
    @OptionGroup var flags: SyncFlags
    @OptionGroup var audit: AuditOptions
    @OptionGroup var trust: TrustOptions
    @OptionGroup var checks: PolicyOptions
    @OptionGroup(title: "Change management") var change: ChangeOptions
    @OptionGroup(title: "Tenancy") var tenancy: TenancyOptions

    @Option(name: .shortAndLong, help: "Output format: text or json (the result on stdout, progress on stderr).")
    var output: SyncOutputFormat = .text

    func run() async throws {
        var revision = to
        var flags = flags
        if let id = Int64(to), to.count < 7 {
            let store = try audit.open()
            guard let record = try audit.query({ try store.record(id) }) else {
                throw CLIError("audit record \(id) not found in \(audit.display)")
            }
            revision = record.revision
            if flags.app == nil { flags.app = record.app }
        }
        let loaded = try source.loadSource(revision: revision, app: flags.app)
        // A rollback's revision is judged on its own (against its parent).
        let verdict = try trust.check(loaded, source: source, since: nil)
        try await change.withAuditSinks(audit: audit) {
            try await SyncRunner(
                source: source, kube: kube, flags: flags, audit: audit, kind: .rollback, json: output == .json, trust: verdict,
                policy: checks, change: change, tenancy: tenancy
            ).run(loaded)
        }
    }
}
