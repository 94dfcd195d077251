import PlumbCore
import PlumbGit

/// One commit's desired state with what the audit trail needs about it: the commit, the
/// objects of the path, whether the commit is signed, the ignore rules of the path's
/// `.plumb.yaml` and the branch the revision names.
public struct LoadedSource: Sendable {
    public var commit: GitCommitInfo
    public var desired: [Resource]
    public var signed: Bool
    public var ignoreRules: [IgnoreRule]
    public var branch: String?

    public init(commit: GitCommitInfo, desired: [Resource], signed: Bool, ignoreRules: [IgnoreRule], branch: String?) {
        self.commit = commit
        self.desired = desired
        self.signed = signed
        self.ignoreRules = ignoreRules
        self.branch = branch
    }

    /// Loads `revision` of an opened repository: the objects under `options.path`, the
    /// commit's signature and the `.plumb.yaml` of the path, read from the same commit.
    /// Throws `GitError`, `ManifestErrors` or `SettingsError`.
    public static func load(_ repository: GitRepository, revision: String, options: ManifestOptions) throws -> LoadedSource {
        let commit = try repository.resolve(revision)
        let snapshot = try repository.snapshot(at: commit.id)
        let desired = try ManifestLoader(options: options).load(from: GitSnapshotReader(snapshot))
        let signed = try repository.signature(of: commit.id) != nil
        let settingsPath = options.path.split(separator: "/").map(String.init).filter { $0 != "." }.joined(separator: "/")
        let file = settingsPath.isEmpty ? ".plumb.yaml" : settingsPath + "/.plumb.yaml"
        var rules: [IgnoreRule] = []
        if try snapshot.entry(file) != nil {
            rules = try PlumbSettings.ignoreRules(try snapshot.read(file), file: file)
        }
        let branch = revision == "HEAD" ? repository.headBranch() : revision.count >= 7 && GitOID(hex: revision) != nil ? nil : revision
        return LoadedSource(commit: commit, desired: desired.resources, signed: signed, ignoreRules: rules, branch: branch)
    }
}
