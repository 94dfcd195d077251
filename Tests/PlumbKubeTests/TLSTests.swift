import Foundation
import PlumbCore
import XCTest

@testable import PlumbKube

/// TLS verification, client certificates and `tls-server-name` against the Python TLS server.
final class TLSTests: XCTestCase {
    func ping() -> [Route] { [Route(path: "/ping", responses: [reply(200, ["ok": true])])] }

    func testTrustedCASucceeds() async throws {
        let pki = try TestPKI()
        let server = try TestServer(routes: ping(), tls: (pki.path("server.crt"), pki.path("server.key"), nil))
        let client = try testClient(server) { $0.certificateAuthorityPEM = try? pki.bytes("ca.crt") }
        let response = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(response.status, 200)
    }

    func testUnknownCAIsRefused() async throws {
        let pki = try TestPKI()
        let server = try TestServer(routes: ping(), tls: (pki.path("rogue.crt"), pki.path("rogue.key"), nil))
        let client = try testClient(server) { $0.certificateAuthorityPEM = try? pki.bytes("ca.crt") }
        do {
            _ = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
            XCTFail("a certificate from an unknown CA must be refused")
        } catch let error as KubeTransportError {
            XCTAssertEqual(error.kind, .tls)
            XCTAssertTrue(error.description.contains("TLS handshake failed"), error.description)
            XCTAssertTrue(error.description.contains("certificate"), error.description)
        }
        XCTAssertTrue(server.requests().isEmpty)
    }

    func testInsecureSkipVerifyAcceptsAnyCertificate() async throws {
        let pki = try TestPKI()
        let server = try TestServer(routes: ping(), tls: (pki.path("rogue.crt"), pki.path("rogue.key"), nil))
        let client = try testClient(server) { $0.insecureSkipTLSVerify = true }
        let response = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(response.status, 200)
    }

    func testTLSServerNameVerifiesAgainstAnotherName() async throws {
        let pki = try TestPKI()
        let server = try TestServer(routes: ping(), tls: (pki.path("named.crt"), pki.path("named.key"), nil))
        let plain = try testClient(server) { $0.certificateAuthorityPEM = try? pki.bytes("ca.crt") }
        do {
            _ = try await plain.perform(KubeRequest(method: "GET", path: "/ping"))
            XCTFail("the certificate names kube.test, not 127.0.0.1")
        } catch let error as KubeTransportError {
            XCTAssertEqual(error.kind, .tls)
        }
        let named = try testClient(server) {
            $0.certificateAuthorityPEM = try? pki.bytes("ca.crt")
            $0.tlsServerName = "kube.test"
        }
        let response = try await named.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(server.requests().last?.headers["host"], "127.0.0.1:\(server.port)")
    }

    func testClientCertificateIsRequiredAndAccepted() async throws {
        let pki = try TestPKI()
        let server = try TestServer(
            routes: ping(), tls: (pki.path("server.crt"), pki.path("server.key"), pki.path("ca.crt")))
        let without = try testClient(server, credentials: StaticCredentials()) {
            $0.certificateAuthorityPEM = try? pki.bytes("ca.crt")
        }
        do {
            _ = try await without.perform(KubeRequest(method: "GET", path: "/ping"))
            XCTFail("the server requires a client certificate")
        } catch is KubeTransportError {}
        let with = try testClient(server, credentials: StaticCredentials()) {
            $0.certificateAuthorityPEM = try? pki.bytes("ca.crt")
            $0.clientCertificate = ClientCertificate(
                certificatePEM: (try? pki.bytes("client.crt")) ?? [], keyPEM: (try? pki.bytes("client.key")) ?? [])
        }
        let response = try await with.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(response.status, 200)
    }

    func testKubeconfigWithClientCertificateFiles() async throws {
        let pki = try TestPKI()
        let server = try TestServer(
            routes: ping(), tls: (pki.path("server.crt"), pki.path("server.key"), pki.path("ca.crt")))
        let dir = try makeTempDir("kc")
        for name in ["ca.crt", "client.crt", "client.key"] {
            try FileManager.default.copyItem(at: pki.dir.appendingPathComponent(name), to: dir.appendingPathComponent("certs-\(name)"))
        }
        let file = dir.appendingPathComponent("config").path
        try """
        {"apiVersion": "v1", "kind": "Config", "current-context": "c",
         "clusters": [{"name": "k", "cluster": {"server": "\(server.url)", "certificate-authority": "certs-ca.crt"}}],
         "users": [{"name": "ada", "user": {"client-certificate": "certs-client.crt", "client-key": "certs-client.key"}}],
         "contexts": [{"name": "c", "context": {"cluster": "k", "user": "ada", "namespace": "team"}}]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: file), environment: [:], home: dir.path)
        XCTAssertEqual(config.namespace, "team")
        let client = try KubeClient(config: config)
        let response = try await client.perform(KubeRequest(method: "GET", path: "/ping"))
        XCTAssertEqual(response.status, 200)
    }
}
