/// When and how long to wait before sending a failed request again.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt; 0 disables retries.
    public var maxRetries: Int = 5
    public var initialBackoff: Duration = .milliseconds(250)
    public var maxBackoff: Duration = .seconds(10)
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    public var maxRetryAfter: Duration = .seconds(60)
    /// Up to this fraction of the backoff is added at random, so clients do not retry in step.
    public var jitter: Double = 0.5

    public init() {}

    /// No retries at all.
    public static var none: RetryPolicy {
        var p = RetryPolicy()
        p.maxRetries = 0
        return p
    }

    /// The exponential backoff before retry number `attempt` (0-based), with jitter.
    public func backoff(attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 0..<min(attempt, 30) where delay < maxBackoff { delay = delay * 2 }
        if delay > maxBackoff { delay = maxBackoff }
        let extra = jitter > 0 ? Double.random(in: 0...jitter) : 0
        return delay + delay * extra
    }

    /// The wait before retrying `request` after `response`, or nil when it must not be retried.
    /// 429 is retried for every method (the server refused it before doing anything); 5xx only
    /// for GET and HEAD, which cannot have changed anything.
    public func delay(after response: KubeResponse, request: KubeRequest, attempt: Int) -> Duration? {
        guard attempt < maxRetries else { return nil }
        let retryAfter = response.header("retry-after").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch response.status {
        case 429:
            break
        case 500, 502, 503, 504:
            guard request.isIdempotent else { return nil }
        default:
            return nil
        }
        if let retryAfter {
            return min(.seconds(max(0, retryAfter)), maxRetryAfter)
        }
        return backoff(attempt: attempt)
    }

    /// The wait before retrying after a transport failure, or nil. A request that never
    /// reached a server is retried whatever its method, once the server has `answered` any
    /// request (a restart); before that, a refused connection is a wrong address or a cluster
    /// that is down, said at once as kubectl does. After a reset only GET and HEAD are retried.
    /// Timeouts are not retried: the caller chose the time it is willing to wait.
    public func delay(after error: KubeTransportError, request: KubeRequest, attempt: Int, answered: Bool = true) -> Duration? {
        guard attempt < maxRetries else { return nil }
        switch error.kind {
        case .connect: return answered ? backoff(attempt: attempt) : nil
        case .other where request.isIdempotent: return backoff(attempt: attempt)
        default: return nil
        }
    }
}
