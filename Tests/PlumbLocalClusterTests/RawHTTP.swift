import Foundation
import PlumbCore

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny blocking HTTP/1.1 client over a loopback socket, so tests see exactly what the
/// server sends (status, headers, chunked bodies) without TLS or URLSession in the way.
struct RawHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var json: Value { (try? JSONReader().parse(body)) ?? .null }
        /// One JSON value per line (watch streams).
        var lines: [Value] {
            String(decoding: body, as: UTF8.self).split(separator: "\n").compactMap { try? JSONReader().parse(String($0)) }
        }
    }

    enum Failure: Error { case connect, io(String) }

    let port: Int
    let token: String?

    func request(
        _ method: String, _ path: String, body: Value? = nil, contentType: String = "application/json",
        headers: [String: String] = [:], timeout: Int = 20, hangUpAfter: Double? = nil
    ) throws -> Response {
        let bodyBytes = try body.map { v -> [UInt8] in
            if case .string(let s) = v, contentType.contains("yaml") { return Array(s.utf8) }
            return try JSONWriter().bytes(v)
        } ?? []
        return try send(method, path, body: bodyBytes, contentType: contentType, headers: headers, timeout: timeout, hangUpAfter: hangUpAfter)
    }

    /// `hangUpAfter`: the client closes the connection after that many seconds, mid-response.
    func send(
        _ method: String, _ path: String, body: [UInt8], contentType: String, headers: [String: String], timeout: Int,
        hangUpAfter: Double?
    ) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw Failure.connect }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if headers["Accept"] == nil { head += "Accept: application/json\r\n" }
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || method != "GET" {
            head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        let out = Array(head.utf8) + body
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure.io("write") }
            sent += n
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let started = Date()
        while true {
            if let hangUpAfter, Date().timeIntervalSince(started) > hangUpAfter { break }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return try Self.parse(data)
    }

    static func parse(_ data: [UInt8]) throws -> Response {
        guard let end = data.firstRange(of: Array("\r\n\r\n".utf8)) else { throw Failure.io("no header end in \(data.count) bytes") }
        let headText = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        let status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
        var headers: [String: String] = [:]
        for l in lines {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[end.upperBound...])
        if headers["transfer-encoding"]?.contains("chunked") == true {
            var out: [UInt8] = []
            var i = 0
            while i < body.count {
                guard let lineEnd = body[i...].firstRange(of: Array("\r\n".utf8)) else { break }
                let size = Int(String(decoding: body[i..<lineEnd.lowerBound], as: UTF8.self), radix: 16) ?? 0
                if size == 0 { break }
                let start = lineEnd.upperBound
                guard start + size <= body.count else { out.append(contentsOf: body[start...]); break }
                out.append(contentsOf: body[start..<start + size])
                i = start + size + 2
            }
            body = out
        }
        return Response(status: status, headers: headers, body: body)
    }
}
