import CCurl
import Synchronization

/// One request in flight: its easy handle, what came back so far, and where the result goes.
/// Thread safety: built by the caller; after `CurlMulti.add` only the event thread touches it,
/// except `cancelled`, which is atomic.
final class CurlTransfer: @unchecked Sendable {
    enum Sink {
        case buffered(CheckedContinuation<KubeResponse, any Error>)
        case stream(AsyncThrowingStream<[UInt8], any Error>.Continuation)
    }

    let easy: CurlEasyHandle
    let method: String
    let url: String
    var sink: Sink?
    let cancelled = Atomic<Bool>(false)
    private var finished = false
    private var headers: [String: String] = [:]
    private var body: [UInt8] = []

    init(easy: CurlEasyHandle, method: String, url: String) throws {
        self.easy = easy
        self.method = method
        self.url = url
        let me = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_WRITEDATA, pointer: me, "CURLOPT_WRITEDATA")
        try easy.set(CURLOPT_HEADERDATA, pointer: me, "CURLOPT_HEADERDATA")
        try CurlError.check(
            plumb_curl_easy_setopt_write_function(easy.raw, curlTransferWrite), "curl_easy_setopt(CURLOPT_WRITEFUNCTION)")
        try CurlError.check(
            plumb_curl_easy_setopt_header_function(easy.raw, curlTransferHeader),
            "curl_easy_setopt(CURLOPT_HEADERFUNCTION)")
    }

    fileprivate func received(_ bytes: UnsafeRawBufferPointer) {
        if case .stream(let continuation) = sink, easy.responseCode() < 300 {
            continuation.yield(Array(bytes))
        } else {
            body.append(contentsOf: bytes)
        }
    }

    fileprivate func receivedHeader(_ bytes: UnsafeRawBufferPointer) {
        // Byte-level parsing: this runs for every header line of every response.
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        var start = 0
        var end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if line.starts(with: "HTTP/".utf8) {
            headers = [:]  // a new response (after 100 Continue or a proxy CONNECT) starts afresh
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        var valueStart = colon + 1
        while valueStart < line.count && isSpace(line[valueStart]) { valueStart += 1 }
        let name = String(decoding: line[..<colon].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart...]), as: UTF8.self)
        // A repeated header (`Warning`) is one list, as HTTP reads it.
        headers[name] = headers[name].map { $0 + ", " + value } ?? value
    }

    /// Hands the result on exactly once. Called on the event thread.
    func complete(_ code: CURLcode) {
        guard !finished else { return }
        if code == CURLE_OK {
            let response = KubeResponse(status: easy.responseCode(), headers: headers, body: body)
            switch sink {
            case .buffered(let c): c.resume(returning: response)
            case .stream(let c):
                if response.status >= 300 {
                    c.finish(throwing: UnexpectedResponse(response: response))
                } else {
                    c.finish()
                }
            case nil: break
            }
            finished = true
        } else {
            fail(transportError(code))
        }
    }

    func fail(_ error: any Error) {
        guard !finished else { return }
        finished = true
        switch sink {
        case .buffered(let c): c.resume(throwing: error)
        case .stream(let c): c.finish(throwing: error)
        case nil: break
        }
    }

    private func transportError(_ code: CURLcode) -> KubeTransportError {
        let detail = easy.failureText(code)
        let kind: KubeTransportError.Kind
        let what: String
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .connect
            what = "cannot connect"
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
            what = "timed out"
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            kind = .tls
            what = "TLS handshake failed"
        default:
            kind = .other
            what = "request failed"
        }
        return KubeTransportError(kind: kind, method: method, url: url, message: "\(what): \(detail)")
    }
}

private let curlTransferWrite:
    @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, user in
        guard let user else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
        transfer.received(UnsafeRawBufferPointer(start: data, count: size * count))
        return size * count
    }

private let curlTransferHeader:
    @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, user in
        guard let user else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
        transfer.receivedHeader(UnsafeRawBufferPointer(start: data, count: size * count))
        return size * count
    }
