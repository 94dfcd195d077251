import Dispatch
import Foundation
import PlumbCore
import PlumbGit
import PlumbManifests

/// The Git side of every Application: one persistent clone per repository URL (GitSource's
/// cache), fetched at most once per interval per URL however many Applications read it.
/// Applications of one URL that ask while a fetch runs wait for that fetch.
public actor GitSources {
    /// Where clones are kept.
    public nonisolated let cacheDirectory: String
    private var lastFetch: [String: ContinuousClock.Instant] = [:]
    private var running: [String: Task<Void, any Error>] = [:]
    /// Pushes announced by webhooks that the clone does not show yet, per URL.
    var pushed: [String: Set<PushedRef>] = [:]
    /// Fetches made, per URL.
    public private(set) var fetches: [String: Int] = [:]
    /// How long each fetch took, for metrics: (url, seconds), newest last.
    public var onFetch: (@Sendable (_ url: String, _ seconds: Double, _ failed: Bool) -> Void)?

    public init(cacheDirectory: String) {
        self.cacheDirectory = cacheDirectory
    }

    public func setOnFetch(_ body: @escaping @Sendable (_ url: String, _ seconds: Double, _ failed: Bool) -> Void) {
        onFetch = body
    }

    /// Fetches `url` unless it was fetched less than `interval` ago (`force` fetches anyway,
    /// as an explicit reconcile request does). Returns whether this call fetched.
    @discardableResult
    public func fetchIfDue(
        url: String, interval: Duration, force: Bool = false, options: @escaping @Sendable () async throws -> GitSourceOptions
    ) async throws -> Bool {
        // A fetch in progress serves every caller; a push announced meanwhile that it did not
        // bring gets one more fetch (after it), however many callers ask.
        while true {
            while let task = running[url] {
                try await task.value
                guard let wanted = pushed[url] else { return false }
                if try await present(wanted, url: url) { pushed[url] = nil }
                if pushed[url] == nil { return false }
            }
            if let wanted = pushed[url], try await present(wanted, url: url) { pushed[url] = nil }
            // Another caller may have started the fetch while this one looked at the clone
            // (an actor is reentrant at each await): wait for that one instead.
            if running[url] == nil { break }
        }
        if !force, pushed[url] == nil, let last = lastFetch[url], ContinuousClock.now - last < interval { return false }
        pushed[url] = nil
        let started = ContinuousClock.now
        let task = Task<Void, any Error> {
            let resolved = try await options()
            try await Self.offload { _ = try GitSource.open(url: url, options: resolved) }
        }
        running[url] = task
        defer { running[url] = nil }
        fetches[url, default: 0] += 1
        do {
            try await task.value
        } catch {
            onFetch?(url, (ContinuousClock.now - started).seconds, true)
            throw error
        }
        onFetch?(url, (ContinuousClock.now - started).seconds, false)
        lastFetch[url] = ContinuousClock.now
        return true
    }

    /// Reads `revision` of `url` from its clone (no network): `reuse` when the revision still
    /// names its commit and the options are the same (nothing is parsed again), else the path
    /// of the commit loaded afresh.
    public nonisolated func load(
        url: String, options: GitSourceOptions, revision: String, manifests: ManifestOptions, reuse: LoadedSource?
    ) async throws -> LoadedSource {
        try await Self.offload {
            let repository: GitRepository
            if let path = try GitSource.cachePath(for: url, options: options) {
                repository = try GitRepository.open(path: path)
            } else {
                repository = try GitSource.open(url: url, options: options)
            }
            if let reuse, try repository.resolveID(revision) == reuse.commit.id { return reuse }
            return try LoadedSource.load(repository, revision: revision, options: manifests)
        }
    }

    /// Reads `revision` of `url` from its clone (no network), rendered as `render` says:
    /// `reuse` (a load with the same options) when the commits between changed no file it read
    /// and nothing below the path, else the path rendered afresh.
    public nonisolated func load(
        url: String, options: GitSourceOptions, revision: String, render: RenderOptions, reuse: LoadedSource?
    ) async throws -> LoadedSource {
        try await Self.offload {
            let repository: GitRepository
            if let path = try GitSource.cachePath(for: url, options: options) {
                repository = try GitRepository.open(path: path)
            } else {
                repository = try GitSource.open(url: url, options: options)
            }
            return try LoadedSource.load(repository, revision: revision, render: render, previous: reuse)
        }
    }

    /// libgit2 blocks: its calls run on a dispatch thread, not on the cooperative pool.
    static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
