import CGit2
import Foundation

/// Opens the repository behind a URL: local paths (and `file://`) directly, remotes
/// (`git://`, `http(s)://`, `ssh://`, scp-style) through one persistent bare clone per URL
/// in the cache directory, fetched incrementally on every open.
public enum GitSource {
    /// Opens `url`; for a remote, clones or fetches its cache first (under the cache lock).
    public static func open(url: String, options: GitSourceOptions = GitSourceOptions()) throws -> GitRepository {
        ensureLibgit2()
        let remote = try GitRemoteURL(url)
        if remote.isLocal {
            return try GitRepository.open(path: remote.path, displayName: remote.display, search: true)
        }
        return try GitCache(remote: remote, options: options).update()
    }

    /// The cache directory `url` is cloned into under `options`; nil for local paths.
    public static func cachePath(for url: String, options: GitSourceOptions = GitSourceOptions()) throws -> String? {
        let remote = try GitRemoteURL(url)
        return remote.isLocal ? nil : options.cacheDirectory + "/" + remote.cacheDirectoryName
    }
}

/// The persistent bare clone of one remote, with its lock and its integrity checks.
struct GitCache {
    static let refspecs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]

    let remote: GitRemoteURL
    let options: GitSourceOptions
    let directory: String

    init(remote: GitRemoteURL, options: GitSourceOptions) {
        self.remote = remote
        self.options = options
        self.directory = options.cacheDirectory + "/" + remote.cacheDirectoryName
    }

    private var subject: String { "\(remote.display): cache \(directory)" }

    /// Fetches into the existing cache, or clones afresh when it is missing or corrupt.
    func update() throws -> GitRepository {
        try createDirectory(options.cacheDirectory)
        let lock = try FileLock(path: directory + ".lock", timeout: options.lockTimeout, subject: subject)
        defer { withExtendedLifetime(lock) {} }
        removeAbandonedClones()
        if FileManager.default.fileExists(atPath: directory) {
            switch openValid(directory) {
            case .success(let repo):
                do {
                    try fetch(into: repo)
                    try verify(repo)
                    return repo
                } catch let error as GitError where !GitCache.isCorruption(error) {
                    throw error
                } catch {
                    // Corrupt after all (fetch or check failed on local data): re-clone below.
                }
            case .failure:
                break
            }
            try remove(directory)
        }
        return try clone()
    }

    /// Errors about the remote (network, credentials, host keys, missing repository) leave a
    /// cache alone; anything else after opening it means the local data is bad.
    static func isCorruption(_ error: GitError) -> Bool {
        switch error.kind {
        case .network, .authentication, .hostKey, .certificate, .locked, .invalidArgument: false
        case .corrupt: true
        default: !error.message.contains("git_remote_fetch failed")
        }
    }

    private func clone() throws -> GitRepository {
        let temp = "\(directory).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            var raw: OpaquePointer?
            try GitError.check(git_repository_init(&raw, temp, 1), "git_repository_init", subject: subject)
            let repo = GitRepository(pointer: raw!, displayName: remote.display)
            _ = try GitHandle.make("git_remote_create", subject: subject, free: git_remote_free) {
                git_remote_create($0, repo.pointer, "origin", remote.url)
            }
            try fetch(into: repo)
            try verify(repo)
        } catch {
            try? remove(temp)
            throw error
        }
        guard rename(temp, directory) == 0 else {
            let message = String(cString: strerror(errno))
            try? remove(temp)
            throw GitError(.io, "\(subject): cannot move fresh clone into place: \(message)")
        }
        return try GitRepository.open(path: directory, displayName: remote.display, search: false)
    }

    /// Opens the cache and checks what can be checked before touching the network.
    private func openValid(_ path: String) -> Result<GitRepository, GitError> {
        do {
            let repo = try GitRepository.open(path: path, displayName: remote.display, search: false)
            guard repo.isBare else { throw GitError(.corrupt, "\(subject): not a bare repository") }
            var head: OpaquePointer?
            try repo.check(git_reference_lookup(&head, repo.pointer, "HEAD"), "git_reference_lookup(HEAD)")
            git_reference_free(head)
            let origin = try GitHandle.make("git_remote_lookup", subject: subject, free: git_remote_free) {
                git_remote_lookup($0, repo.pointer, "origin")
            }
            let configured = git_remote_url(origin.pointer).map { String(cString: $0) }
            guard configured == remote.url else {
                throw GitError(.corrupt, "\(subject): origin URL in config differs from the requested URL")
            }
            return .success(repo)
        } catch let error as GitError {
            return .failure(error)
        } catch {
            return .failure(GitError(.corrupt, "\(subject): \(error)"))
        }
    }

    private func fetch(into repo: GitRepository) throws {
        let session = try RemoteSession(remote: remote, options: options)
        let origin = try GitHandle.make("git_remote_lookup", subject: subject, free: git_remote_free) {
            git_remote_lookup($0, repo.pointer, "origin")
        }
        var opts = git_fetch_options()
        try session.check(git_fetch_options_init(&opts, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
        opts.callbacks = try session.callbacks()
        opts.prune = GIT_FETCH_PRUNE
        opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
        var cStrings = GitCache.refspecs.map { strdup($0) }
        defer { for string in cStrings { free(string) } }
        let code = cStrings.withUnsafeMutableBufferPointer { buffer in
            var specs = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return withExtendedLifetime(session) { git_remote_fetch(origin.pointer, &specs, &opts, "plumb fetch") }
        }
        try session.check(code, "git_remote_fetch")
        try pointHeadAtDefaultBranch(repo, origin: origin.pointer)
    }

    /// Records the remote's default branch as `refs/remotes/origin/HEAD` (as `git clone`
    /// does), which is what resolving "HEAD" in a cache means. The cache's own HEAD is left
    /// alone: git insists that it name a local branch.
    private func pointHeadAtDefaultBranch(_ repo: GitRepository, origin: OpaquePointer) throws {
        var buf = git_buf()
        guard git_remote_default_branch(&buf, origin) == 0 else {
            git_buf_dispose(&buf)
            return  // An empty remote, or a server that does not advertise HEAD.
        }
        let branch = String(decoding: takeBuffer(&buf), as: UTF8.self)
        guard branch.hasPrefix("refs/heads/") else { return }
        let tracking = "refs/remotes/origin/" + branch.dropFirst("refs/heads/".count)
        var ref: OpaquePointer?
        try repo.check(
            git_reference_symbolic_create(
                &ref, repo.pointer, "refs/remotes/origin/HEAD", tracking, 1, "plumb: default branch"),
            "git_reference_symbolic_create")
        git_reference_free(ref)
    }

    /// Deletes temporary clones left by a process that died mid-clone (we hold the lock,
    /// so no live process is writing one).
    private func removeAbandonedClones() {
        let prefix = remote.cacheDirectoryName + ".tmp-"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: options.cacheDirectory)) ?? []
        for entry in entries where entry.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: options.cacheDirectory + "/" + entry)
        }
    }

    private func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw GitError(
                .io, "\(remote.display): cannot create cache directory \(path): \(error.localizedDescription)")
        }
    }

    private func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw GitError(.io, "\(remote.display): cannot remove corrupt cache \(path): \(error.localizedDescription)")
        }
    }
}
