import CGit2

/// The state libgit2's remote callbacks need for one connection: loaded secrets, the
/// known_hosts verdict, and the first failure a callback hit (which beats libgit2's own,
/// vaguer message). Not thread safe; lives for one fetch.
final class RemoteSession {
    let remote: GitRemoteURL
    let ssh: SSHOptions
    private(set) var redactor = Redactor()
    private var userpass: (user: String, password: String)?
    private var passphrase: String?
    private var askedFor: Set<UInt32> = []
    private var knownHosts: KnownHosts?
    /// The first error a callback reported; thrown in preference to libgit2's.
    var failure: GitError?

    init(remote: GitRemoteURL, options: GitSourceOptions) throws {
        self.remote = remote
        self.ssh = options.ssh
        switch options.credentials {
        case .none:
            if let password = remote.password {
                userpass = (remote.user ?? "x-access-token", password)
            }
        case .basic(let username, let source):
            userpass = (username, try source.load(environment: options.environment))
        case .token(let source, let username):
            userpass = (username, try source.load(environment: options.environment))
        }
        if remote.transport == .ssh, let source = ssh.passphrase {
            passphrase = try source.load(environment: options.environment)
        }
        redactor.secrets = [userpass?.password, passphrase, remote.password].compactMap { $0 }
    }

    /// The callbacks for `git_remote_fetch`; `self` must outlive the call.
    func callbacks() throws -> git_remote_callbacks {
        var callbacks = git_remote_callbacks()
        try GitError.check(
            git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)),
            "git_remote_init_callbacks", subject: remote.display)
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, usernameFromURL, allowed, payload in
            guard let out, let payload else { return -1 }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            return session.acquire(out, usernameFromURL.map { String(cString: $0) }, allowed)
        }
        callbacks.certificate_check = { cert, valid, host, payload in
            guard let payload else { return -1 }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            return session.checkCertificate(cert, valid: valid != 0, host: host.map { String(cString: $0) })
        }
        return callbacks
    }

    /// The funnel for calls made with this session's callbacks.
    func check(_ code: Int32, _ call: String) throws {
        guard code < 0 else { return }
        if let failure { throw failure }
        let klass = git_error_last().map { UInt32(bitPattern: $0.pointee.klass) }
        do {
            try GitError.check(code, call, subject: remote.display, redactor: redactor)
        } catch var error as GitError {
            switch klass {
            case GIT_ERROR_ODB.rawValue, GIT_ERROR_ZLIB.rawValue, GIT_ERROR_OBJECT.rawValue:
                error.kind = .corrupt  // Missing or unreadable local objects: the cache is bad.
            case GIT_ERROR_OS.rawValue:
                error.kind = .network  // OS errors while talking to a remote are socket errors.
            default:
                break
            }
            throw error
        }
    }

    private func fail(_ error: GitError) -> Int32 {
        if failure == nil { failure = error }
        return GIT_EUSER.rawValue
    }

    // Each credential type is offered once: libgit2 asks again after a rejection, and
    // offering the same secret again would loop forever.
    private func acquire(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, _ usernameFromURL: String?,
        _ allowed: UInt32
    ) -> Int32 {
        let user = usernameFromURL.flatMap { $0.isEmpty ? nil : $0 }
        func firstTime(_ type: git_credential_t) -> Bool {
            askedFor.insert(type.rawValue).inserted
        }
        if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
            guard firstTime(GIT_CREDENTIAL_SSH_KEY) else {
                return fail(
                    GitError(
                        .authentication,
                        "\(remote.display): ssh: the server rejected the key \(ssh.privateKeyPath ?? "from ssh-agent")")
                )
            }
            let name = user ?? remote.user ?? ssh.username
            if let key = ssh.privateKeyPath {
                return git_credential_ssh_key_new(out, name, ssh.publicKeyPath, key, passphrase)
            }
            return git_credential_ssh_key_from_agent(out, name)
        }
        if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
            guard firstTime(GIT_CREDENTIAL_USERNAME) else {
                return fail(GitError(.authentication, "\(remote.display): the server rejected user name"))
            }
            return git_credential_username_new(out, user ?? remote.user ?? ssh.username)
        }
        if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 {
            guard let userpass else {
                return fail(
                    GitError(
                        .authentication, "\(remote.display): authentication required but no credentials configured"))
            }
            guard firstTime(GIT_CREDENTIAL_USERPASS_PLAINTEXT) else {
                return fail(
                    GitError(
                        .authentication,
                        "\(remote.display): authentication failed: the server rejected the credentials for user \(userpass.user)"
                    ))
            }
            return git_credential_userpass_plaintext_new(out, userpass.user, userpass.password)
        }
        return fail(
            GitError(.authentication, "\(remote.display): the server asks for an unsupported kind of credential"))
    }

    private func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>?, valid: Bool, host: String?) -> Int32 {
        guard let cert, cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else {
            return GIT_PASSTHROUGH.rawValue  // TLS: libgit2 and the system CA store decide.
        }
        guard ssh.strictHostKeyChecking else { return 0 }
        let host = remote.host ?? host ?? ""
        let port = remote.port ?? 22
        let name = KnownHosts.hostName(host, port: port)
        let file = ssh.knownHostsPath
        let hostkey = UnsafeMutableRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
        guard hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey else {
            return fail(
                GitError(.hostKey, "ssh: libgit2 gave no raw host key for \(name); cannot check known_hosts \(file)"))
        }
        let key = Array(UnsafeRawBufferPointer(start: raw, count: hostkey.hostkey_len))
        do {
            if knownHosts == nil { knownHosts = try KnownHosts(path: file) }
        } catch let error as GitError {
            return fail(error)
        } catch {
            return fail(GitError(.io, "ssh: cannot read known_hosts \(file)"))
        }
        let offered = KnownHosts.keyType(of: key) ?? "unknown key type"
        switch knownHosts!.check(host: host, port: port, key: key) {
        case .match:
            return 0
        case .unknown:
            return fail(
                GitError(
                    .hostKey, "ssh: host key for \(name) is not in known_hosts \(file) (server offered \(offered))"))
        case .mismatch:
            return fail(
                GitError(
                    .hostKey,
                    "ssh: host key for \(name) does not match known_hosts \(file) (server offered \(offered)); refusing to connect"
                ))
        case .revoked:
            return fail(GitError(.hostKey, "ssh: host key for \(name) is marked @revoked in known_hosts \(file)"))
        }
    }
}
