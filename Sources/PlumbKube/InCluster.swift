import Foundation

/// Configuration inside a pod: `KUBERNETES_SERVICE_HOST`/`PORT` and the service-account files.
public enum InCluster {
    public static let defaultRoot = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster configuration; `root` holds `token`, `ca.crt` and `namespace`. The token
    /// is read again whenever the file changes (projected tokens rotate).
    public static func config(environment: [String: String], root: String = defaultRoot) throws -> ClientConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw CredentialError(message: "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
        }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var transport = TransportOptions(server: "https://\(authority)")
        let caPath = (root as NSString).appendingPathComponent("ca.crt")
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw CredentialError(message: "in-cluster: cannot read \(caPath)")
        }
        transport.certificateAuthorityPEM = [UInt8](ca)
        let tokenPath = (root as NSString).appendingPathComponent("token")
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw CredentialError(message: "in-cluster: cannot read \(tokenPath)")
        }
        var namespace = "default"
        if let data = FileManager.default.contents(atPath: (root as NSString).appendingPathComponent("namespace")) {
            let ns = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !ns.isEmpty { namespace = ns }
        }
        return ClientConfig(transport: transport, auth: .tokenFile(tokenPath), namespace: namespace)
    }
}
