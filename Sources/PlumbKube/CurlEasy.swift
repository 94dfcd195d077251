import CCurl

/// Owns one `CURL *` easy handle and the C memory its options point to.
/// Not thread safe: configured by the caller, then touched only on the multi's event thread.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    /// Lists libcurl reads during the transfer without copying (headers, CURLOPT_CONNECT_TO).
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// libcurl writes the detail of a failure here (CURLOPT_ERRORBUFFER).
    let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        _ = CurlGlobal.initialized
        guard let raw = curl_easy_init() else {
            throw CurlError(call: "curl_easy_init", code: -1, message: "out of memory")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer), "CURLOPT_ERRORBUFFER")
    }

    deinit {
        curl_easy_cleanup(raw)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws {
        try CurlError.check(plumb_curl_easy_setopt_long(raw, option, value), "curl_easy_setopt(\(name))")
    }

    func set(_ option: CURLoption, _ value: String, _ name: String) throws {
        try CurlError.check(plumb_curl_easy_setopt_string(raw, option, value), "curl_easy_setopt(\(name))")
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?, _ name: String) throws {
        try CurlError.check(plumb_curl_easy_setopt_pointer(raw, option, pointer), "curl_easy_setopt(\(name))")
    }

    func set(_ option: CURLoption, blob: [UInt8], _ name: String) throws {
        let code = blob.withUnsafeBytes { plumb_curl_easy_setopt_blob(raw, option, $0.baseAddress, $0.count) }
        try CurlError.check(code, "curl_easy_setopt(\(name))")
    }

    /// Copies the body into libcurl (CURLOPT_COPYPOSTFIELDS), so no Swift buffer must outlive the call.
    func setBody(_ body: [UInt8]) throws {
        try CurlError.check(
            plumb_curl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
            "curl_easy_setopt(CURLOPT_POSTFIELDSIZE_LARGE)")
        let code: CURLcode
        if body.isEmpty {
            code = plumb_curl_easy_setopt_string(raw, CURLOPT_COPYPOSTFIELDS, "")
        } else {
            code = body.withUnsafeBytes {
                plumb_curl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
            }
        }
        try CurlError.check(code, "curl_easy_setopt(CURLOPT_COPYPOSTFIELDS)")
    }

    /// Sets a `curl_slist` option; the handle keeps the list alive until it is freed.
    func set(_ option: CURLoption, list lines: [String], _ name: String) throws {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for line in lines {
            guard let next = curl_slist_append(list, line) else {
                if let list { curl_slist_free_all(list) }
                throw CurlError(call: "curl_slist_append", code: -1, message: "out of memory")
            }
            list = next
        }
        if let list { lists.append(list) }
        try set(option, pointer: list.map { UnsafeMutableRawPointer($0) }, name)
    }

    func responseCode() -> Int {
        var code: Int = 0
        _ = plumb_curl_easy_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// The detail libcurl wrote for the last failure, or the generic text of `code`.
    func failureText(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }
}
