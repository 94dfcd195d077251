import ArgumentParser
import PlumbGit
import PlumbManifests

/// Where the desired state comes from: a repository, a revision and a path, with the
/// credentials for remote repositories (read from the environment or files, never flags).
struct RepoOptions: ParsableArguments {
    @Option(help: "A local repository (any directory inside it) or a URL: file://, git://, http(s)://, ssh://, user@host:path.")
    var repo: String

    @Option(help: "A branch, tag, full or short commit SHA, or HEAD.")
    var revision: String = "HEAD"

    @Option(help: "The directory of the repository to read.")
    var path: String

    @Option(help: "Read only files matching this glob (repeatable).")
    var include: [String] = []

    @Option(help: "Skip files matching this glob (repeatable).")
    var exclude: [String] = []

    @Option(help: "Refuse manifest files larger than this (e.g. 8Mi, 512Ki).")
    var maxFileSize: String = "8Mi"

    @Option(help: "Where remote repositories are cloned (default ~/.cache/plumb/git or $PLUMB_CACHE_DIR/git).")
    var cacheDir: String?

    @Option(help: "HTTP(S) user name for --git-password-env/--git-password-file (with a token: default x-access-token).")
    var gitUsername: String?

    @Option(help: "Environment variable holding the HTTP(S) password.")
    var gitPasswordEnv: String?

    @Option(help: "File holding the HTTP(S) password.")
    var gitPasswordFile: String?

    @Option(help: "Environment variable holding an HTTP(S) access token.")
    var gitTokenEnv: String?

    @Option(help: "File holding an HTTP(S) access token.")
    var gitTokenFile: String?

    @Option(help: "Private key for ssh:// and user@host:path remotes.")
    var sshKey: String?

    @Option(help: "Environment variable holding the private key's passphrase.")
    var sshKeyPassphraseEnv: String?

    @Option(help: "known_hosts file the SSH host key must be listed in (default ~/.ssh/known_hosts).")
    var sshKnownHosts: String?

    @Flag(help: "Accept any SSH host key (turns host key checking off).")
    var sshInsecureIgnoreHostKey = false

    @OptionGroup(title: "Rendering") var renderer: RendererFlags

    func validate() throws {
        let secrets = [gitPasswordEnv, gitPasswordFile, gitTokenEnv, gitTokenFile].compactMap { $0 }
        if secrets.count > 1 {
            throw ValidationError(
                "give one of --git-password-env, --git-password-file, --git-token-env, --git-token-file")
        }
        if (gitPasswordEnv != nil || gitPasswordFile != nil) && gitUsername == nil {
            throw ValidationError("--git-password-env and --git-password-file need --git-username")
        }
        if parseByteSize(maxFileSize) == nil {
            throw ValidationError("--max-file-size: \"\(maxFileSize)\" is not a size such as 8Mi or 512Ki")
        }
    }

    var sourceOptions: GitSourceOptions {
        var credentials = GitCredentials.none
        if let env = gitPasswordEnv, let user = gitUsername {
            credentials = .basic(username: user, password: .environment(env))
        } else if let file = gitPasswordFile, let user = gitUsername {
            credentials = .basic(username: user, password: .file(file))
        } else if let env = gitTokenEnv {
            credentials = .token(.environment(env), username: gitUsername ?? "x-access-token")
        } else if let file = gitTokenFile {
            credentials = .token(.file(file), username: gitUsername ?? "x-access-token")
        }
        let ssh = SSHOptions(
            privateKeyPath: sshKey, passphrase: sshKeyPassphraseEnv.map(GitSecretSource.environment),
            knownHostsPath: sshKnownHosts, strictHostKeyChecking: !sshInsecureIgnoreHostKey)
        return GitSourceOptions(cacheDirectory: cacheDir, credentials: credentials, ssh: ssh)
    }

    var manifestOptions: ManifestOptions {
        ManifestOptions(
            path: path, include: include.map(Glob.init), exclude: exclude.map(Glob.init),
            maxFileSize: parseByteSize(maxFileSize) ?? ManifestOptions.defaultMaxFileSize)
    }

    /// Opens the repository, resolves the revision and renders the path for `app` (default
    /// the last component of the path).
    func load(app: String? = nil) throws -> (commit: GitCommitInfo, rendered: RenderResult) {
        var options = try renderer.renderOptions(manifestOptions, app: renderAppName(app))
        do {
            let repository = try GitSource.open(url: repo, options: sourceOptions)
            let commit = try repository.resolve(revision)
            let snapshot = try repository.snapshot(at: commit.id)
            options.context.revision = commit.id.hex
            let rendered = try SourceRenderer(options: options).render(from: GitSnapshotReader(snapshot))
            Terminal.addSensitive(rendered.secrets)  // decrypted SOPS values are never printed
            return (commit, rendered)
        } catch let error as ManifestErrors {
            throw CLIError(error.description)
        } catch let error as GitError {
            throw CLIError(error.description)
        }
    }

    /// The app a render is for (`PLUMB_APP_NAME`): `--app`, else the last component of the
    /// path, else the repository's name.
    func renderAppName(_ app: String?) -> String {
        if let name = try? AppName.resolve(app, path: path) { return name }
        let last = repo.split(separator: "/").last(where: { $0 != "." }).map(String.init) ?? "app"
        return last.hasSuffix(".git") ? String(last.dropLast(4)) : last
    }
}
