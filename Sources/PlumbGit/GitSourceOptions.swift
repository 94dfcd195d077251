import Foundation

/// Where a secret comes from. Plumb reads it when it connects and never prints it.
public enum GitSecretSource: Sendable, Hashable, CustomStringConvertible {
    /// The value of an environment variable.
    case environment(String)
    /// The contents of a file, without its trailing newline.
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }

    func load(environment: [String: String]) throws -> String {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw GitError(.invalidArgument, "credentials: environment variable \(name) is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GitError(.invalidArgument, "credentials: cannot read file \(path)")
            }
            var value = String(decoding: data, as: UTF8.self)
            while value.last?.isNewline == true { value.removeLast() }
            guard !value.isEmpty else { throw GitError(.invalidArgument, "credentials: file \(path) is empty") }
            return value
        }
    }
}

/// HTTP(S) credentials for a remote.
public enum GitCredentials: Sendable, Hashable {
    /// No credentials (anonymous, or only what the URL carries).
    case none
    /// HTTP basic authentication.
    case basic(username: String, password: GitSecretSource)
    /// A token sent as the basic-auth password (GitHub accepts user `x-access-token`).
    case token(GitSecretSource, username: String = "x-access-token")
}

/// How Plumb authenticates to SSH remotes and checks their host keys.
public struct SSHOptions: Sendable, Hashable {
    /// The user when the URL has none.
    public var username: String
    /// The private key file; required for `ssh://` and scp-style remotes.
    public var privateKeyPath: String?
    /// The public key file; libssh2 derives it from the private key when nil.
    public var publicKeyPath: String?
    /// The private key's passphrase, if it has one.
    public var passphrase: GitSecretSource?
    /// The known_hosts file the server's host key must be listed in.
    public var knownHostsPath: String
    /// Refuse hosts whose key is unknown or changed (on by default).
    public var strictHostKeyChecking: Bool

    public init(
        username: String = "git", privateKeyPath: String? = nil, publicKeyPath: String? = nil,
        passphrase: GitSecretSource? = nil, knownHostsPath: String? = nil,
        strictHostKeyChecking: Bool = true
    ) {
        self.username = username
        self.privateKeyPath = privateKeyPath
        self.publicKeyPath = publicKeyPath
        self.passphrase = passphrase
        self.knownHostsPath =
            knownHostsPath ?? (FileManager.default.homeDirectoryForCurrentUser.path + "/.ssh/known_hosts")
        self.strictHostKeyChecking = strictHostKeyChecking
    }
}

/// Everything `GitSource` needs to reach a remote and keep its cache.
public struct GitSourceOptions: Sendable, Hashable {
    /// Where persistent bare clones live, one directory per remote URL.
    public var cacheDirectory: String
    public var credentials: GitCredentials
    public var ssh: SSHOptions
    /// How long to wait for another process holding a cache's lock.
    public var lockTimeout: Duration
    /// Environment that `.environment` secrets are read from.
    public var environment: [String: String]

    public init(
        cacheDirectory: String? = nil, credentials: GitCredentials = .none, ssh: SSHOptions = SSHOptions(),
        lockTimeout: Duration = .seconds(60), environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.cacheDirectory = cacheDirectory ?? GitSourceOptions.defaultCacheDirectory(environment: environment)
        self.credentials = credentials
        self.ssh = ssh
        self.lockTimeout = lockTimeout
        self.environment = environment
    }

    /// `$PLUMB_CACHE_DIR/git`, else `$XDG_CACHE_HOME/plumb/git`, else `~/.cache/plumb/git`.
    public static func defaultCacheDirectory(environment: [String: String]) -> String {
        if let dir = environment["PLUMB_CACHE_DIR"], !dir.isEmpty { return dir + "/git" }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/plumb/git" }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/plumb/git"
    }
}
