/// A parsed remote location: the transport, where it is, and how to print it safely.
struct GitRemoteURL: Sendable, Equatable {
    enum Transport: Sendable, Equatable { case local, file, git, http, https, ssh }

    var transport: Transport
    /// The URL handed to libgit2: as given, minus any password or token in the user info.
    var url: String
    /// The URL without credentials, for messages and as the cache key.
    var display: String
    var host: String?
    var port: Int?
    var user: String?
    /// A password (or token) found in the URL's user info; used as a basic credential.
    var password: String?
    var path: String

    /// Whether the URL names a repository on this machine (a path or `file://`).
    var isLocal: Bool { transport == .local }

    init(_ raw: String) throws {
        let text = raw.trimmingCharacters()
        guard !text.isEmpty else { throw GitError(.invalidArgument, "git: empty repository URL") }
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            let rest = text[schemeEnd.upperBound...]
            switch scheme {
            case "file":
                transport = .local
                path = String(rest)
                url = text
                display = text
                return
            case "git": transport = .git
            case "http": transport = .http
            case "https": transport = .https
            case "ssh", "git+ssh", "ssh+git": transport = .ssh
            default:
                throw GitError(
                    .invalidArgument,
                    "\(Redactor.stripURLUserInfo(text)): unsupported URL scheme \"\(scheme)\"")
            }
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<authorityEnd]
            path = String(rest[authorityEnd...])
            var userInfo: Substring?
            if let at = authority.lastIndex(of: "@") {
                userInfo = authority[..<at]
                authority = authority[authority.index(after: at)...]
            }
            if let info = userInfo {
                if let colon = info.firstIndex(of: ":") {
                    user = String(info[..<colon]).removingPercentEncoding ?? String(info[..<colon])
                    let pw = String(info[info.index(after: colon)...])
                    password = pw.removingPercentEncoding ?? pw
                } else {
                    user = String(info).removingPercentEncoding ?? String(info)
                }
            }
            (host, port) = try GitRemoteURL.splitHostPort(authority, raw: text)
            let hostPort = authority
            let sshUser = (transport == .ssh && user != nil) ? "\(user!)@" : ""
            display = "\(scheme)://\(sshUser)\(hostPort)\(path)"
            if transport == .ssh {
                url = display
            } else if let user, password == nil {
                // A bare user info on http(s) is usually a token: pass it on as the password.
                password = user
                self.user = nil
                url = display
            } else {
                url = display
            }
            return
        }
        // scp-style `[user@]host:path`: a colon before any slash.
        if let colon = text.firstIndex(of: ":"), !text[..<colon].contains("/"), !text.hasPrefix(".") {
            transport = .ssh
            var hostPart = text[..<colon]
            if let at = hostPart.lastIndex(of: "@") {
                user = String(hostPart[..<at])
                hostPart = hostPart[hostPart.index(after: at)...]
            }
            guard !hostPart.isEmpty else {
                throw GitError(.invalidArgument, "\(text): missing host in scp-style URL")
            }
            host = String(hostPart)
            port = nil
            path = String(text[text.index(after: colon)...])
            url = text
            display = text
            return
        }
        transport = .local
        path = text
        url = text
        display = text
    }

    var isRemote: Bool { !isLocal }

    private static func splitHostPort(_ authority: Substring, raw: String) throws -> (String, Int?) {
        var hostText = authority
        var portText: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            hostText = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !hostText.isEmpty else {
            throw GitError(.invalidArgument, "\(Redactor.stripURLUserInfo(raw)): missing host")
        }
        var port: Int?
        if let portText, !portText.isEmpty {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw GitError(.invalidArgument, "\(Redactor.stripURLUserInfo(raw)): bad port \"\(portText)\"")
            }
            port = p
        }
        return (String(hostText), port)
    }

    /// A directory name for this remote's cache: sanitised host and path (never credentials)
    /// plus a short hash of the credential-free URL, so two remotes never share a cache.
    var cacheDirectoryName: String {
        let readable = ((host ?? "local") + "-" + path).map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") ? c : "-"
        }
        var name = String(readable).split(separator: "-").joined(separator: "-")
        while name.hasPrefix(".") { name.removeFirst() }
        if name.count > 60 { name = String(name.suffix(60)) }
        return name + "-" + String(SHA1.hex(SHA1.hash(Array(display.utf8))).prefix(12))
    }
}
