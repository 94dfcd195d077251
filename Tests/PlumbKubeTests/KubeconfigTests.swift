import Foundation
import PlumbCore
import XCTest

@testable import PlumbKube

/// kubectl's rules for finding, merging and resolving kubeconfig files.
final class KubeconfigTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try makeTempDir("kubeconfig") }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testMergeFirstFileWinsPerKeyAndForCurrentContext() throws {
        let a = try write("a/config", """
            {"current-context": "dev",
             "clusters": [{"name": "shared", "cluster": {"server": "https://a.example:6443", "certificate-authority": "ca.crt"}}],
             "users": [{"name": "ada", "user": {"token": "from-a"}}],
             "contexts": [{"name": "dev", "context": {"cluster": "shared", "user": "ada"}}]}
            """)
        let b = try write("b/config", """
            {"current-context": "prod",
             "clusters": [{"name": "shared", "cluster": {"server": "https://b.example:6443"}},
                          {"name": "prod", "cluster": {"server": "https://prod.example:6443", "certificate-authority": "../pki/prod-ca.crt"}}],
             "users": [{"name": "ada", "user": {"token": "from-b"}}, {"name": "ops", "user": {"tokenFile": "token"}}],
             "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "ops", "namespace": "live"}}]}
            """)
        let env = ["KUBECONFIG": "\(a)::/nonexistent/config:\(b):\(a)"]
        let merged = try XCTUnwrap(try Kubeconfig.load(flags: KubeconfigFlags(), environment: env, home: dir.path))
        XCTAssertEqual(merged.files, [a, b])
        XCTAssertEqual(merged.currentContext, "dev")
        XCTAssertEqual(merged.clusters["shared"]?.server, "https://a.example:6443")
        XCTAssertEqual(merged.users["ada"]?.token, "from-a")
        // Relative paths resolve against the file that holds them.
        XCTAssertEqual(merged.clusters["shared"]?.certificateAuthority, dir.appendingPathComponent("a/ca.crt").path)
        XCTAssertEqual(
            merged.clusters["prod"]?.certificateAuthority.map { URL(fileURLWithPath: $0).standardized.path },
            dir.appendingPathComponent("pki/prod-ca.crt").standardized.path)
        XCTAssertEqual(merged.users["ops"]?.tokenFile, dir.appendingPathComponent("b/token").path)

        _ = try write("pki/prod-ca.crt", "PEM")
        let prod = try merged.resolve(context: "prod")
        XCTAssertEqual(prod.transport.server, "https://prod.example:6443")
        XCTAssertEqual(prod.namespace, "live")
        XCTAssertEqual(prod.transport.certificateAuthorityPEM, Array("PEM".utf8))
        guard case .tokenFile(let path) = prod.auth else { return XCTFail("expected a token file, got \(prod.auth)") }
        XCTAssertEqual(path, dir.appendingPathComponent("b/token").path)
        XCTAssertEqual(try merged.resolve(context: "prod", namespace: "other").namespace, "other")
    }

    func testFirstEntryOfARepeatedNameWinsInOneFile() throws {
        let config = try Kubeconfig.read(file: try write("twice", #"""
            {"clusters": [{"name": "k", "cluster": {"server": "https://first"}}, {"name": "k", "cluster": {"server": "https://second"}}],
             "users": [{"name": "u", "user": {"token": "one"}}, {"name": "u", "user": {"token": "two"}}]}
            """#))
        XCTAssertEqual(config.clusters["k"]?.server, "https://first")
        XCTAssertEqual(config.clusters["k"]?.origin.path, "clusters[0].cluster")
        XCTAssertEqual(config.users["u"]?.token, "one")
    }

    func testExplicitKubeconfigIgnoresTheEnvironment() throws {
        let a = try write("a", #"{"current-context": "x", "clusters": [], "users": [], "contexts": []}"#)
        let b = try write("b", #"{"current-context": "y"}"#)
        let config = try XCTUnwrap(
            try Kubeconfig.load(flags: KubeconfigFlags(kubeconfig: b), environment: ["KUBECONFIG": a], home: dir.path))
        XCTAssertEqual(config.files, [b])
        XCTAssertEqual(config.currentContext, "y")
    }

    func testHomeConfigIsTheDefault() throws {
        let home = try write(".kube/config", #"{"current-context": "home"}"#)
        let config = try XCTUnwrap(try Kubeconfig.load(flags: KubeconfigFlags(), environment: [:], home: dir.path))
        XCTAssertEqual(config.files, [home])
    }

    func testBrokenFieldsGiveOneLineNamingFileAndField() throws {
        let cases: [(String, String)] = [
            (#"{"users": [{"name": "ada", "user": {"client-key-data": "%%%not base64"}}]}"#,
             "users[0].user.client-key-data: not valid base64"),
            (#"{"clusters": [{"name": "k", "cluster": {"server": 6443}}]}"#,
             "clusters[0].cluster.server: must be a string, not integer"),
            (#"{"clusters": [{"cluster": {"server": "https://x"}}]}"#, "clusters[0].name: missing"),
            (#"{"contexts": {"name": "c"}}"#, "contexts: must be a list, not object"),
            (#"{"clusters": [{"name": "k", "cluster": {"insecure-skip-tls-verify": "yes"}}]}"#,
             "clusters[0].cluster.insecure-skip-tls-verify: must be true or false, not string"),
            (#"{"users": [{"name": "e", "user": {"exec": {"command": "x", "apiVersion": "client.authentication.k8s.io/v1alpha1"}}}]}"#,
             "users[0].user.exec.apiVersion: client.authentication.k8s.io/v1alpha1 is not supported (use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1)"),
            (#"{"contexts": [{"name": "c", "context": {}}, {"name": "c", "context": {"namespace": 1}}]}"#,
             "contexts[1].context.namespace: must be a string, not integer"),
            ("{not json", ""),
        ]
        for (text, expected) in cases {
            let file = try write("broken", text)
            do {
                _ = try Kubeconfig.read(file: file)
                XCTFail("\(text) must not load")
            } catch {
                if expected.isEmpty {
                    XCTAssertTrue(error.description.hasPrefix("kubeconfig \(file): not valid YAML"), error.description)
                } else {
                    XCTAssertEqual(error.description, "kubeconfig \(file): \(expected)")
                }
            }
        }
    }

    func testResolveErrorsNameTheField() throws {
        let file = try write("config", """
            {"current-context": "c",
             "clusters": [{"name": "k", "cluster": {"server": "https://k", "insecure-skip-tls-verify": true}}],
             "users": [{"name": "half", "user": {"client-certificate-data": "UEVN"}}],
             "contexts": [{"name": "c", "context": {"cluster": "k", "user": "half"}},
                          {"name": "lost", "context": {"cluster": "gone"}},
                          {"name": "ok", "context": {"cluster": "k"}}]}
            """)
        let config = try Kubeconfig.read(file: file)
        XCTAssertThrowsError(try config.resolve()) {
            XCTAssertEqual("\($0)", "kubeconfig \(file): users[0].user.client-key: missing: client-certificate needs a client-key")
        }
        XCTAssertThrowsError(try config.resolve(context: "lost")) {
            XCTAssertEqual("\($0)", "kubeconfig \(file): contexts[1].context.cluster: cluster \"gone\" not found")
        }
        XCTAssertThrowsError(try config.resolve(context: "nope")) {
            XCTAssertEqual("\($0)", "kubeconfig \(file): context \"nope\" not found")
        }
        let ok = try config.resolve(context: "ok")
        XCTAssertTrue(ok.transport.insecureSkipTLSVerify)
        XCTAssertEqual(ok.warnings, ["cluster \"k\": insecure-skip-tls-verify is set; the server's certificate is not verified"])
        XCTAssertEqual(ok.namespace, "default")
    }

    func testYAMLKubeconfigAsKubectlWritesIt() throws {
        let file = try write("config.yaml", """
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                certificate-authority-data: UEVNIENB
                server: https://127.0.0.1:6443
                tls-server-name: kube.test
                proxy-url: http://proxy.local:3128
              name: local
            contexts:
            - context:
                cluster: local
                namespace: team-a
                user: ada
              name: local
            current-context: local
            users:
            - name: ada
              user:
                token: abc
            """)
        let config = try Kubeconfig.read(file: file).resolve()
        XCTAssertEqual(config.transport.server, "https://127.0.0.1:6443")
        XCTAssertEqual(config.transport.certificateAuthorityPEM, Array("PEM CA".utf8))
        XCTAssertEqual(config.transport.tlsServerName, "kube.test")
        XCTAssertEqual(config.transport.proxyURL, "http://proxy.local:3128")
        XCTAssertEqual(config.namespace, "team-a")
        XCTAssertEqual(config.contextName, "local")
        let bad = try write("bad.yaml", "clusters:\n- name: x\n  cluster: [unclosed\n")
        XCTAssertThrowsError(try Kubeconfig.read(file: bad)) {
            XCTAssertTrue("\($0)".hasPrefix("kubeconfig \(bad): not valid YAML: line "), "\($0)")
        }
    }

    func testTokensNeverAppearInDescriptions() throws {
        let file = try write("config", """
            {"current-context": "c", "clusters": [{"name": "k", "cluster": {"server": "https://k"}}],
             "users": [{"name": "u", "user": {"token": "s3cr3t-token"}}],
             "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}]}
            """)
        let config = try Kubeconfig.read(file: file).resolve()
        XCTAssertFalse("\(config.auth)".contains("s3cr3t"))
        XCTAssertFalse("\(Credentials(bearerToken: "s3cr3t-token"))".contains("s3cr3t"))
    }
}
