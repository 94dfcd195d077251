import Foundation
import PlumbCore
import PlumbTesting
import Synchronization
import XCTest
import _CryptoExtras

@testable import PlumbReport

/// GitHub App authentication: the JWT, the installation token and its cache.
final class GitHubAppForgeTests: XCTestCase {
    /// An RSA key as GitHub hands it out: PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), made by openssl.
    func makeKey(_ dir: TempDir) throws -> (privatePEM: String, publicPEMFile: String) {
        let key = dir.sub("app.pem")
        let pub = dir.sub("app.pub.pem")
        let made = try runTool("/usr/bin/openssl", ["genrsa", "-traditional", "-out", key, "2048"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let exported = try runTool("/usr/bin/openssl", ["rsa", "-in", key, "-pubout", "-out", pub])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let pem = try String(contentsOfFile: key, encoding: .utf8)
        XCTAssertTrue(pem.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        return (pem, pub)
    }

    func decode(_ part: Substring) throws -> [UInt8] {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return try XCTUnwrap(Data(base64Encoded: text).map(Array.init))
    }

    func testTheJWTVerifiesWithThePublicKeyInSwiftCryptoAndOpenSSL() throws {
        let dir = try TempDir("plumbapp")
        let (pem, pub) = try makeKey(dir)
        let jwt = try GitHubAppJWT(
            credentials: GitHubAppCredentials(appID: "1234", installationID: "42", privateKeyPEM: pem))
        let now = Date().timeIntervalSince1970
        let token = try jwt.sign(now: now)
        let parts = token.split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(try JSONReader().parse(try decode(parts[0])), ["alg": "RS256", "typ": "JWT"])
        let claims = try JSONReader().parse(try decode(parts[1]))
        XCTAssertEqual(claims["iss"], 1234)
        let iat = try XCTUnwrap(claims["iat"]?.intValue)
        let exp = try XCTUnwrap(claims["exp"]?.intValue)
        XCTAssertEqual(Double(iat), now - 60, accuracy: 1.5, "iat 60 s in the past against clock drift")
        XCTAssertLessThanOrEqual(exp - iat, 600, "GitHub refuses a JWT that lasts more than 10 minutes")
        XCTAssertGreaterThan(Double(exp), now)
        let input = Array("\(parts[0]).\(parts[1])".utf8)
        let signature = try decode(parts[2])
        // swift-crypto
        let publicKey = try _RSA.Signing.PublicKey(pemRepresentation: try String(contentsOfFile: pub, encoding: .utf8))
        XCTAssertTrue(
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5))
        XCTAssertFalse(
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: input + [0x20],
                padding: .insecurePKCS1v1_5))
        // openssl
        try Data(input).write(to: URL(fileURLWithPath: dir.sub("input")))
        try Data(signature).write(to: URL(fileURLWithPath: dir.sub("sig")))
        let verified = try runTool(
            "/usr/bin/openssl", ["dgst", "-sha256", "-verify", pub, "-signature", dir.sub("sig"), dir.sub("input")])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        XCTAssertEqual(verified.stdout, "Verified OK\n")
    }

    func testAKeyThatIsNotRSAIsAClearError() {
        XCTAssertThrowsError(
            try GitHubAppJWT(
                credentials: GitHubAppCredentials(appID: "7", installationID: "1", privateKeyPEM: "not a key"))
        ) {
            XCTAssertEqual("\($0)", "github: GitHub App 7: the private key is not an RSA key in PEM")
        }
    }

    func testTheInstallationTokenIsFetchedOnceAndReusedUntilItExpires() async throws {
        let dir = try TempDir("plumbapp")
        let (pem, pub) = try makeKey(dir)
        let publicKey = try _RSA.Signing.PublicKey(pemRepresentation: try String(contentsOfFile: pub, encoding: .utf8))
        let issued = Counter()
        let server = try await ForgeMockServer.start { request in
            if request.method == "POST", request.path == "/api/v3/app/installations/42/access_tokens" {
                let n = issued.next()
                var answer = try forgeFixture("github", "installation-token.json")
                answer["token"] = .string("ghs_installation\(n)")
                let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
                answer["expires_at"] = .string(expires)
                return .json(201, answer)
            }
            return .json(201, try forgeFixture("github", "status.json"))
        }
        defer { Task { await server.stop() } }
        let offset = Mutex<Double>(0)
        var config = ForgeConfiguration(
            kind: .github, baseURL: server.url, repository: "acme/deploy",
            auth: .githubApp(GitHubAppCredentials(appID: "1234", installationID: "42", privateKeyPEM: pem)))
        config.wallClock = { Date().timeIntervalSince1970 + offset.withLock { $0 } }
        XCTAssertFalse("\(config)".contains("PRIVATE KEY"), "\(config)")
        let forge = try makeForge(config)
        let status = CommitStatus(sha: "abc", context: "plumb/web", state: .success, description: "synced")
        try await forge.setStatus(status)
        try await forge.setStatus(status)
        XCTAssertEqual(issued.count, 1, "the token is cached")
        let tokenRequest = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(tokenRequest.headers["accept"], "application/vnd.github+json")
        XCTAssertEqual(tokenRequest.headers["x-github-api-version"], "2022-11-28")
        let bearer = try XCTUnwrap(tokenRequest.headers["authorization"])
        XCTAssertTrue(bearer.hasPrefix("Bearer ey"))
        let parts = bearer.dropFirst("Bearer ".count).split(separator: ".")
        XCTAssertTrue(
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: try decode(parts[2])),
                for: Array("\(parts[0]).\(parts[1])".utf8),
                padding: .insecurePKCS1v1_5))
        XCTAssertEqual(
            server.requests.filter { $0.path.hasSuffix("/statuses/abc") }.map { $0.headers["authorization"] },
            ["Bearer ghs_installation1", "Bearer ghs_installation1"])
        // Five minutes before expires_at the cached token is no longer used.
        offset.withLock { $0 = 3600 - 200 }
        try await forge.setStatus(status)
        XCTAssertEqual(issued.count, 2)
        XCTAssertEqual(server.requests.last?.headers["authorization"], "Bearer ghs_installation2")
    }

    func testConcurrentRequestsShareOneTokenFetch() async throws {
        let dir = try TempDir("plumbapp")
        let (pem, _) = try makeKey(dir)
        let issued = Counter()
        let server = try await ForgeMockServer.start { request in
            if request.path.hasSuffix("/access_tokens") {
                // Slow enough that every status below asks while the first fetch is under way.
                try await Task.sleep(for: .milliseconds(300))
                var answer = try forgeFixture("github", "installation-token.json")
                answer["token"] = .string("ghs_installation\(issued.next())")
                answer["expires_at"] = .string(ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600)))
                return .json(201, answer)
            }
            return .json(201, try forgeFixture("github", "status.json"))
        }
        defer { Task { await server.stop() } }
        let forge = try makeForge(
            ForgeConfiguration(
                kind: .github, baseURL: server.url, repository: "acme/deploy",
                auth: .githubApp(GitHubAppCredentials(appID: "1234", installationID: "42", privateKeyPEM: pem))))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<5 {
                group.addTask {
                    try await forge.setStatus(
                        CommitStatus(sha: "sha\(i)", context: "plumb/web", state: .success, description: "synced"))
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(issued.count, 1)
        let used = Set(
            server.requests.filter { $0.path.contains("/statuses/") }.compactMap { $0.headers["authorization"] })
        XCTAssertEqual(used, ["Bearer ghs_installation1"])
    }

    func testARevokedInstallationTokenIsReplacedOnce() async throws {
        let dir = try TempDir("plumbapp")
        let (pem, _) = try makeKey(dir)
        let issued = Counter()
        let server = try await ForgeMockServer.start { request in
            if request.path.hasSuffix("/access_tokens") {
                var answer = try forgeFixture("github", "installation-token.json")
                answer["token"] = .string("ghs_installation\(issued.next())")
                answer["expires_at"] = .string(ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600)))
                return .json(201, answer)
            }
            if request.headers["authorization"] == "Bearer ghs_installation1" {
                return .json(401, ["message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"])
            }
            return .json(201, try forgeFixture("github", "status.json"))
        }
        defer { Task { await server.stop() } }
        let forge = try makeForge(
            ForgeConfiguration(
                kind: .github, baseURL: server.url, repository: "acme/deploy",
                auth: .githubApp(GitHubAppCredentials(appID: "1234", installationID: "42", privateKeyPEM: pem))))
        try await forge.setStatus(
            CommitStatus(sha: "abc", context: "plumb/web", state: .pending, description: "syncing"))
        XCTAssertEqual(issued.count, 2)
        XCTAssertEqual(server.requests.last?.headers["authorization"], "Bearer ghs_installation2")
    }

    func testAppCredentialsOnlyForGitHub() {
        XCTAssertThrowsError(
            try makeForge(
                ForgeConfiguration(
                    kind: .gitlab, baseURL: "https://gitlab.example.com", repository: "a/b",
                    auth: .githubApp(GitHubAppCredentials(appID: "1", installationID: "2", privateKeyPEM: "x"))))
        ) { XCTAssertEqual("\($0)", "gitlab: GitHub App credentials work only with GitHub") }
    }
}
