import PlumbCore
import PlumbGit

/// One commit's desired state with what the audit trail needs about it: the commit, the
/// objects of the path, the renderer that made them and the files it read, whether the commit
/// is signed, the ignore rules of the path's `.plumb.yaml` and the branch the revision names.
public struct LoadedSource: Sendable {
    public var commit: GitCommitInfo
    public var desired: [Resource]
    public var signed: Bool
    public var ignoreRules: [IgnoreRule]
    public var branch: String?
    /// `plain`, `kustomize`, `jsonnet` or a plugin's name.
    public var renderer: String
    /// The repository files the render read (for monorepo change detection).
    public var inputs: Set<String>
    /// Values decrypted from SOPS files: secrets wherever they could be printed.
    public var secrets: Set<String>
    /// The commit the objects were rendered from: `commit` itself, or an older one whose
    /// render was reused because the commits since touched none of its inputs.
    public var renderedFrom: GitOID

    public init(
        commit: GitCommitInfo, desired: [Resource], signed: Bool, ignoreRules: [IgnoreRule], branch: String?,
        renderer: String = "plain", inputs: Set<String> = [], secrets: Set<String> = [], renderedFrom: GitOID? = nil
    ) {
        self.commit = commit
        self.desired = desired
        self.signed = signed
        self.ignoreRules = ignoreRules
        self.branch = branch
        self.renderer = renderer
        self.inputs = inputs
        self.secrets = secrets
        self.renderedFrom = renderedFrom ?? commit.id
    }

    /// Loads `revision` of an opened repository with the renderer the path calls for (no
    /// plugins, no SOPS keys; the app named after the path). Throws `GitError`,
    /// `ManifestErrors` or `SettingsError`.
    public static func load(_ repository: GitRepository, revision: String, options: ManifestOptions) throws
        -> LoadedSource
    {
        let app = options.path.split(separator: "/").last.map(String.init) ?? "root"
        return try load(
            repository, revision: revision,
            render: RenderOptions(manifests: options, context: RenderContext(appName: app)))
    }

    /// Loads `revision` of an opened repository: the objects under the path rendered as
    /// `render` says (its context's revision is the commit's SHA), the commit's signature and
    /// the `.plumb.yaml` of the path, read from the same commit.
    public static func load(_ repository: GitRepository, revision: String, render: RenderOptions) throws -> LoadedSource
    {
        let commit = try repository.resolve(revision)
        let snapshot = try repository.snapshot(at: commit.id)
        var options = render
        options.context.revision = commit.id.hex
        let result = try SourceRenderer(options: options).render(from: GitSnapshotReader(snapshot))
        let signed = try repository.signature(of: commit.id) != nil
        let settingsPath = options.manifests.path.split(separator: "/").map(String.init).filter { $0 != "." }.joined(
            separator: "/")
        let file = settingsPath.isEmpty ? ".plumb.yaml" : settingsPath + "/.plumb.yaml"
        var rules: [IgnoreRule] = []
        if try snapshot.entry(file) != nil {
            rules = try PlumbSettings.ignoreRules(try snapshot.read(file), file: file)
        }
        let branch =
            revision == "HEAD"
            ? repository.headBranch() : revision.count >= 7 && GitOID(hex: revision) != nil ? nil : revision
        return LoadedSource(
            commit: commit, desired: result.desired.resources, signed: signed, ignoreRules: rules, branch: branch,
            renderer: result.renderer, inputs: result.inputs, secrets: result.secrets)
    }

    /// Loads `revision`, reusing `previous` (a load of the same path with the same options)
    /// when the commits between them changed no file it read and nothing under the path: a
    /// monorepo commit elsewhere is not rendered again. The result names the new commit.
    public static func load(
        _ repository: GitRepository, revision: String, render: RenderOptions, previous: LoadedSource?
    ) throws -> LoadedSource {
        guard let previous else { return try load(repository, revision: revision, render: render) }
        let id = try repository.resolveID(revision)
        if id == previous.commit.id { return previous }
        let changes = try repository.changedPaths(from: previous.commit.id, to: id)
        if previous.affected(by: changes, path: render.manifests.path) {
            return try load(repository, revision: revision, render: render)
        }
        var reused = previous
        reused.commit = try repository.resolve(revision)
        reused.signed = try repository.signature(of: id) != nil
        reused.branch =
            revision == "HEAD"
            ? repository.headBranch() : revision.count >= 7 && GitOID(hex: revision) != nil ? nil : revision
        return reused
    }

    /// Whether `changes` (between this source's commit and another) touch a file the render
    /// read or anything below `path` (a new file there may be read next time).
    public func affected(by changes: [GitChange], path: String) -> Bool {
        let root = RepoPath.normalize(path) ?? ""
        func touches(_ p: String) -> Bool {
            inputs.contains(p) || root.isEmpty || p.hasPrefix(root + "/")
                || inputs.contains { p.hasPrefix($0 + "/") }  // a directory a kustomization listed
        }
        return changes.contains { touches($0.path) || $0.oldPath.map(touches) == true }
    }
}
