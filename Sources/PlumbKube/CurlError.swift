import CCurl

/// A libcurl call that returned an error code: names the call and carries libcurl's text.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var message: String

    public var description: String { "\(call) failed: \(message) (\(code))" }

    /// The funnel for every CURLcode: throws unless it is CURLE_OK.
    static func check(_ code: CURLcode, _ call: String) throws {
        guard code != CURLE_OK else { return }
        throw CurlError(call: call, code: Int32(code.rawValue), message: String(cString: curl_easy_strerror(code)))
    }

    /// The funnel for every CURLMcode: throws unless it is CURLM_OK.
    static func check(_ code: CURLMcode, _ call: String) throws {
        guard code != CURLM_OK else { return }
        throw CurlError(call: call, code: Int32(code.rawValue), message: String(cString: curl_multi_strerror(code)))
    }
}

/// Runs `curl_global_init` once per process, before the first handle.
enum CurlGlobal {
    static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    /// The version of the libcurl linked at run time (`8.14.1`), as it reports itself.
    static let version: String = {
        guard let info = curl_version_info(CURLVERSION_ELEVENTH), let text = info.pointee.version else { return "unknown" }
        return String(cString: text)
    }()

    /// Whether the linked libcurl speaks HTTP/2.
    static let supportsHTTP2: Bool = {
        guard let info = curl_version_info(CURLVERSION_ELEVENTH) else { return false }
        return info.pointee.features & CURL_VERSION_HTTP2 != 0
    }()
}

/// The version of libcurl Plumb talks to Kubernetes API servers with.
public var libcurlVersion: String { CurlGlobal.version }
