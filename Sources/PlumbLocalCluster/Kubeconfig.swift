import Foundation

/// A kubeconfig for one cluster, user and context named `plumb-local`.
struct Kubeconfig {
    var server: String
    var caPEM: String?
    var token: String

    /// YAML as kubectl writes it; the CA goes in inline as base64 (certificate-authority-data).
    var yaml: String {
        var cluster = "- cluster:\n"
        if let caPEM {
            cluster += "    certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())\n"
        }
        cluster += "    server: \(server)\n  name: plumb-local\n"
        return """
            apiVersion: v1
            kind: Config
            clusters:
            \(cluster)contexts:
            - context:
                cluster: plumb-local
                namespace: default
                user: plumb-local
              name: plumb-local
            current-context: plumb-local
            preferences: {}
            users:
            - name: plumb-local
              user:
                token: \(token)

            """
    }

    func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: url, options: .atomic)
        // Holds a bearer token: readable by the owner only.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }
}
