import Foundation
import PlumbCore

/// Everything needed to talk to one cluster as one user, resolved from a kubeconfig context or
/// from the in-cluster service account.
public struct ClientConfig: Sendable {
    /// How a request is authenticated, beyond any client certificate in `transport`.
    public enum Auth: Sendable, CustomStringConvertible {
        case none
        case token(String)
        case tokenFile(String)
        case exec(ExecConfig)

        public var description: String {
            switch self {
            case .none: return "none"
            case .token: return "token <redacted>"
            case .tokenFile(let path): return "token file \(path)"
            case .exec(let e): return "exec \(e.command)"
            }
        }
    }

    public var transport: TransportOptions
    public var auth: Auth
    public var namespace: String
    /// The kubeconfig context used, nil in-cluster.
    public var contextName: String?
    /// Things the user should know, e.g. that TLS verification is off.
    public var warnings: [String]

    public init(transport: TransportOptions, auth: Auth = .none, namespace: String = "default") {
        self.transport = transport
        self.auth = auth
        self.namespace = namespace
        contextName = nil
        warnings = []
    }

    /// The provider that turns `auth` into credentials for each request.
    public func credentialProvider() -> any CredentialProvider {
        switch auth {
        case .none: return StaticCredentials()
        case .token(let t): return StaticCredentials(Credentials(bearerToken: t))
        case .tokenFile(let path): return TokenFileCredentials(path: path)
        case .exec(let e): return ExecCredentialProvider(config: e, server: transport.server)
        }
    }

    /// kubectl's choice: the kubeconfig files of `flags` and `KUBECONFIG` / `~/.kube/config`,
    /// else the in-cluster service account when running in a pod.
    public static func load(
        flags: KubeconfigFlags = KubeconfigFlags(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        home: String = NSHomeDirectory(), inClusterRoot: String = InCluster.defaultRoot
    ) throws -> ClientConfig {
        if let config = try Kubeconfig.load(flags: flags, environment: environment, home: home) {
            return try config.resolve(context: flags.context, namespace: flags.namespace)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            var config = try InCluster.config(environment: environment, root: inClusterRoot)
            if let ns = flags.namespace, !ns.isEmpty { config.namespace = ns }
            return config
        }
        throw KubeconfigError(
            file: (home as NSString).appendingPathComponent(".kube/config"), field: "",
            message: "no kubeconfig found (set KUBECONFIG or pass --kubeconfig) and not running in a cluster")
    }
}

extension Kubeconfig {
    /// The configuration of one context (`context` or `current-context`).
    public func resolve(context: String? = nil, namespace: String? = nil) throws(KubeconfigError) -> ClientConfig {
        let first = files.first ?? "<none>"
        guard let contextName = (context?.isEmpty == false ? context : currentContext), !contextName.isEmpty else {
            throw KubeconfigError(file: first, field: "current-context", message: "not set (pass --context)")
        }
        guard let ctx = contexts[contextName] else {
            throw KubeconfigError(file: first, field: "", message: "context \"\(contextName)\" not found")
        }
        guard let cluster = clusters[ctx.cluster] else {
            throw ctx.origin.error("cluster", "cluster \"\(ctx.cluster)\" not found")
        }
        guard !cluster.server.isEmpty else { throw cluster.origin.error("server", "missing") }
        var transport = TransportOptions(server: cluster.server)
        var warnings: [String] = []
        if cluster.insecureSkipTLSVerify {
            if cluster.certificateAuthority != nil || cluster.certificateAuthorityData != nil {
                throw cluster.origin.error(
                    "insecure-skip-tls-verify", "cannot be combined with a certificate authority")
            }
            transport.insecureSkipTLSVerify = true
            warnings.append(
                "cluster \"\(cluster.name)\": insecure-skip-tls-verify is set; the server's certificate is not verified")
        }
        if let data = cluster.certificateAuthorityData {
            transport.certificateAuthorityPEM = data
        } else if let path = cluster.certificateAuthority {
            transport.certificateAuthorityPEM = try readFile(path, cluster.origin, "certificate-authority")
        }
        transport.tlsServerName = cluster.tlsServerName
        transport.proxyURL = cluster.proxyURL
        var auth = ClientConfig.Auth.none
        if !ctx.user.isEmpty {
            guard let user = users[ctx.user] else {
                throw ctx.origin.error("user", "user \"\(ctx.user)\" not found")
            }
            var cert = user.clientCertificateData
            if cert == nil, let path = user.clientCertificate {
                cert = try readFile(path, user.origin, "client-certificate")
            }
            var key = user.clientKeyData
            if key == nil, let path = user.clientKey { key = try readFile(path, user.origin, "client-key") }
            switch (cert, key) {
            case let (cert?, key?): transport.clientCertificate = ClientCertificate(certificatePEM: cert, keyPEM: key)
            case (.some, nil): throw user.origin.error("client-key", "missing: client-certificate needs a client-key")
            case (nil, .some): throw user.origin.error("client-certificate", "missing: client-key needs a client-certificate")
            case (nil, nil): break
            }
            if let token = user.token, !token.isEmpty {
                auth = .token(token)
            } else if let file = user.tokenFile {
                auth = .tokenFile(file)
            } else if let exec = user.exec {
                auth = .exec(exec)
            }
        }
        var config = ClientConfig(
            transport: transport, auth: auth,
            namespace: namespace?.isEmpty == false ? namespace! : (ctx.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"))
        config.contextName = contextName
        config.warnings = warnings
        return config
    }

    private func readFile(_ path: String, _ origin: Origin, _ field: String) throws(KubeconfigError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw origin.error(field, "cannot read \(path)")
        }
        return [UInt8](data)
    }
}
