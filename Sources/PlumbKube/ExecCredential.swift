import Foundation
import PlumbCore

/// A kubeconfig `users[].user.exec` credential plugin.
public struct ExecConfig: Sendable {
    public var command: String
    public var args: [String]
    public var env: [(name: String, value: String)]
    /// `client.authentication.k8s.io/v1` or `v1beta1`.
    public var apiVersion: String
    public var installHint: String?
    public var provideClusterInfo: Bool
    /// Where the plugin's relative command path and errors point to.
    public var origin: String

    static let supported = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    public init(command: String, args: [String] = [], env: [(name: String, value: String)] = [],
                apiVersion: String = "client.authentication.k8s.io/v1", origin: String = "exec") {
        self.command = command
        self.args = args
        self.env = env
        self.apiVersion = apiVersion
        installHint = nil
        provideClusterInfo = false
        self.origin = origin
    }

    init?(_ v: Value?, reader r: FieldReader, at path: String) throws(KubeconfigError) {
        guard let v, !v.isNull else { return nil }
        guard case .object = v else { throw r.fail(path, "", "must be a map, not \(v.typeName)") }
        guard let command = try r.string(v, "command", at: path), !command.isEmpty else {
            throw r.fail(path, "command", "missing")
        }
        // As kubectl: a command with a slash is a path relative to the kubeconfig file; a bare
        // name is looked up on PATH.
        self.command = command.contains("/") ? r.resolve(command) : command
        var args: [String] = []
        for (i, a) in try r.list(v, "args").enumerated() {
            guard let s = a.stringValue else { throw r.fail(path, "args[\(i)]", "must be a string") }
            args.append(s)
        }
        self.args = args
        var env: [(String, String)] = []
        for (i, e) in try r.list(v, "env").enumerated() {
            guard let name = try r.string(e, "name", at: "\(path).env[\(i)]"), !name.isEmpty else {
                throw r.fail(path, "env[\(i)].name", "missing")
            }
            env.append((name, try r.string(e, "value", at: "\(path).env[\(i)]") ?? ""))
        }
        self.env = env
        guard let apiVersion = try r.string(v, "apiVersion", at: path), !apiVersion.isEmpty else {
            throw r.fail(path, "apiVersion", "missing")
        }
        guard ExecConfig.supported.contains(apiVersion) else {
            throw r.fail(path, "apiVersion", "\(apiVersion) is not supported (use \(ExecConfig.supported.joined(separator: " or ")))")
        }
        self.apiVersion = apiVersion
        installHint = try r.string(v, "installHint", at: path)
        provideClusterInfo = try r.bool(v, "provideClusterInfo", at: path)
        origin = "kubeconfig \(r.file): \(path)"
    }
}

/// Runs an exec plugin for credentials and keeps them until `expirationTimestamp` or a 401.
public actor ExecCredentialProvider: CredentialProvider {
    public nonisolated let config: ExecConfig
    private let server: String
    private let timeout: Duration
    private var cached: (Credentials, Date?)?
    private var running: Task<(Credentials, Date?), any Error>?

    public init(config: ExecConfig, server: String, timeout: Duration = .seconds(60)) {
        self.config = config
        self.server = server
        self.timeout = timeout
    }

    public func credentials() async throws -> Credentials {
        if let (creds, expiry) = cached, expiry.map({ $0.timeIntervalSinceNow > 0 }) ?? true { return creds }
        if let running { return try await running.value.0 }
        let task = Task { [config, server, timeout] in
            try await ExecCredentialProvider.run(config, server: server, timeout: timeout)
        }
        running = task
        defer { running = nil }
        let result = try await task.value
        cached = result
        return result.0
    }

    public func invalidate() async -> Bool {
        cached = nil
        return true
    }

    static func run(_ config: ExecConfig, server: String, timeout: Duration) async throws -> (Credentials, Date?) {
        var spec: Value = ["interactive": false]
        if config.provideClusterInfo { spec["cluster"] = ["server": .string(server)] }
        let info: Value = ["kind": "ExecCredential", "apiVersion": .string(config.apiVersion), "spec": spec]
        var env = ProcessInfo.processInfo.environment
        for e in config.env { env[e.name] = e.value }
        env["KUBERNETES_EXEC_INFO"] = try JSONWriter().string(info)
        let output = try await ProcessRunner.run(
            command: config.command, args: config.args, environment: env, timeout: timeout)
        let subject = "exec plugin \(config.command) (\(config.origin))"
        guard output.status == 0 else {
            var message = "\(subject): exited with status \(output.status)"
            let err = output.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            if !err.isEmpty { message += ": " + String(err.suffix(300)) }
            throw CredentialError(message: message)
        }
        guard let credential = try? JSONReader().parse(output.stdout) else {
            throw CredentialError(message: "\(subject): output is not an ExecCredential JSON object")
        }
        guard credential["kind"]?.stringValue == "ExecCredential" else {
            throw CredentialError(message: "\(subject): output kind is not ExecCredential")
        }
        guard credential["apiVersion"]?.stringValue == config.apiVersion else {
            throw CredentialError(
                message: "\(subject): output apiVersion \(credential["apiVersion"]?.stringValue ?? "<none>") does not match \(config.apiVersion)")
        }
        let status = credential["status"]
        var creds = Credentials()
        if let token = status?["token"]?.stringValue, !token.isEmpty { creds.bearerToken = token }
        if let cert = status?["clientCertificateData"]?.stringValue, let key = status?["clientKeyData"]?.stringValue {
            creds.clientCertificate = ClientCertificate(certificatePEM: Array(cert.utf8), keyPEM: Array(key.utf8))
        }
        guard creds.bearerToken != nil || creds.clientCertificate != nil else {
            throw CredentialError(message: "\(subject): status has neither a token nor a client certificate")
        }
        var expiry: Date?
        if let stamp = status?["expirationTimestamp"]?.stringValue {
            guard let date = ISO8601DateFormatter().date(from: stamp) else {
                throw CredentialError(message: "\(subject): status.expirationTimestamp \(stamp) is not RFC 3339")
            }
            expiry = date
        }
        return (creds, expiry)
    }
}
