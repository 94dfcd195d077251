import Foundation

/// Certificates made with the `openssl` CLI: a CA, a server certificate for 127.0.0.1 and
/// `kube.test`, a client certificate, and an unrelated CA with its own server certificate.
struct TestPKI {
    let dir: URL

    init() throws {
        dir = try makeTempDir("pki")
        try run("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=plumb-test-ca")
        try run("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=other-ca")
        try issue("server", ca: "ca", subject: "/CN=server", ext: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth")
        try issue("named", ca: "ca", subject: "/CN=kube.test", ext: "subjectAltName=DNS:kube.test\nextendedKeyUsage=serverAuth")
        try issue("rogue", ca: "other-ca", subject: "/CN=rogue", ext: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth")
        try issue("client", ca: "ca", subject: "/CN=ada/O=plumb", ext: "extendedKeyUsage=clientAuth")
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: dir.appendingPathComponent(name))) }

    private func issue(_ name: String, ca: String, subject: String, ext: String) throws {
        try ext.write(to: dir.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
        try run("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout \(name).key -out \(name).csr -subj \(subject)")
        try run("x509 -req -in \(name).csr -CA \(ca).crt -CAkey \(ca).key -CAcreateserial -out \(name).crt -days 2 -extfile \(name).ext")
    }

    private func run(_ args: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args.split(separator: " ").map(String.init)
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: ["args": args]) }
    }
}
