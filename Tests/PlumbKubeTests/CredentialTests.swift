import Foundation
import PlumbCore
import XCTest

@testable import PlumbKube

/// Exec credential plugins and in-cluster service-account tokens, end to end.
final class CredentialTests: XCTestCase {
    /// A plugin that counts its runs in a file and prints a token named after the run.
    func plugin(in dir: URL, expiry: String) throws -> String {
        let path = dir.appendingPathComponent("plugin.sh").path
        try """
        #!/bin/sh
        n=$(cat "\(dir.path)/runs" 2>/dev/null || echo 0)
        n=$((n + 1))
        echo $n > "\(dir.path)/runs"
        echo "$KUBERNETES_EXEC_INFO" > "\(dir.path)/exec-info"
        echo "$PLUMB_TEST_ARG $1" > "\(dir.path)/args"
        printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"run-%s","expirationTimestamp":"\(expiry)"}}' $n
        """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func runs(_ dir: URL) -> Int {
        Int((try? String(contentsOfFile: dir.appendingPathComponent("runs").path, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
    }

    func kubeconfig(_ dir: URL, server: String) throws -> String {
        let file = dir.appendingPathComponent("config").path
        try """
        {"current-context": "c", "clusters": [{"name": "k", "cluster": {"server": "\(server)"}}],
         "users": [{"name": "u", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
            "command": "./plugin.sh", "args": ["--flag"], "env": [{"name": "PLUMB_TEST_ARG", "value": "yes"}],
            "interactiveMode": "Never", "provideClusterInfo": true}}}],
         "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func testExecTokenIsCachedUntilExpiryAndRerunAfter401() async throws {
        let dir = try makeTempDir("exec")
        _ = try plugin(in: dir, expiry: "2099-01-01T00:00:00Z")
        let server = try TestServer(routes: [
            Route(
                path: "/ping",
                responses: [
                    reply(200, ["ok": true]), reply(200, ["ok": true]),
                    reply(401, try fixture("unauthorized")["response"]!["body"]!), reply(200, ["ok": true]),
                ])
        ])
        let config = try ClientConfig.load(
            flags: KubeconfigFlags(kubeconfig: try kubeconfig(dir, server: server.url)), environment: [:], home: dir.path)
        let client = try KubeClient(config: config)
        _ = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        _ = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(runs(dir), 1, "a token valid until 2099 is reused")
        let response = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(runs(dir), 2, "a 401 runs the plugin again")
        let tokens = server.requests("GET", "/ping").map { $0.headers["authorization"] ?? "" }
        XCTAssertEqual(tokens, ["Bearer run-1", "Bearer run-1", "Bearer run-1", "Bearer run-2"])
        let info = try JSONReader().parse(try String(contentsOfFile: dir.appendingPathComponent("exec-info").path, encoding: .utf8))
        XCTAssertEqual(info["apiVersion"], "client.authentication.k8s.io/v1")
        XCTAssertEqual(info[path: ["spec", "cluster", "server"]]?.stringValue, server.url)
        XCTAssertEqual(
            try String(contentsOfFile: dir.appendingPathComponent("args").path, encoding: .utf8), "yes --flag\n")
    }

    func testExpiredExecTokenIsRerun() async throws {
        let dir = try makeTempDir("exec")
        _ = try plugin(in: dir, expiry: "2001-01-01T00:00:00Z")
        let server = try TestServer(routes: [Route(path: "/ping", responses: [reply(200, ["ok": true])])])
        let config = try ClientConfig.load(
            flags: KubeconfigFlags(kubeconfig: try kubeconfig(dir, server: server.url)), environment: [:], home: dir.path)
        let client = try KubeClient(config: config)
        _ = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        _ = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(runs(dir), 2)
    }

    func testFailingPluginGivesOneClearLine() async throws {
        let dir = try makeTempDir("exec")
        let path = dir.appendingPathComponent("fail.sh").path
        try "#!/bin/sh\necho 'login required' >&2\nexit 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        let provider = ExecCredentialProvider(config: ExecConfig(command: path, origin: "test"), server: "https://x")
        do {
            _ = try await provider.credentials()
            XCTFail("the plugin fails")
        } catch {
            XCTAssertEqual("\(error)", "exec plugin \(path) (test): exited with status 3: login required")
        }
    }

    func testInClusterReadsServiceAccountAndFollowsTokenRotation() async throws {
        let pki = try TestPKI()
        let server = try TestServer(
            routes: [Route(path: "/ping", responses: [reply(200, ["ok": true])])],
            tls: (pki.path("server.crt"), pki.path("server.key"), nil))
        let root = try makeTempDir("sa")
        try FileManager.default.copyItem(at: pki.dir.appendingPathComponent("ca.crt"), to: root.appendingPathComponent("ca.crt"))
        try "token-one\n".write(to: root.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try "plumb-system".write(to: root.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        let env = ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(server.port)]
        let config = try ClientConfig.load(environment: env, home: root.path, inClusterRoot: root.path)
        XCTAssertEqual(config.namespace, "plumb-system")
        XCTAssertEqual(config.transport.server, "https://127.0.0.1:\(server.port)")
        let client = try KubeClient(config: config)
        _ = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        // kubelet rotates the projected token by replacing the file.
        try "token-two-longer\n".write(to: root.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        _ = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(
            server.requests("GET", "/ping").map { $0.headers["authorization"] ?? "" },
            ["Bearer token-one", "Bearer token-two-longer"])
        XCTAssertEqual(client.defaultNamespace, "plumb-system")
    }
}
