import ArgumentParser
import Foundation
import Logging
import PlumbController
import PlumbKube
import ServiceLifecycle

/// `plumb controller`'s high-availability flags: leader election or sharding on Leases.
struct HAOptions: ParsableArguments {
    @Flag(
        help:
            "Run as one of several replicas of which only the holder of a Lease (coordination.k8s.io/v1) reconciles; the others stand by and take over within the lease duration."
    )
    var leaderElect = false

    @Option(
        help:
            "Run as one of N active replicas, each reconciling its share of the Applications (consistent hashing on namespace/name); each announces itself with a Lease of its own, and the share of one that stops moves to the others."
    )
    var shards: Int?

    @Option(help: "The Lease of leader election, and the prefix of the shard Leases.")
    var leaseName = "plumb-controller"

    @Option(
        help:
            "The namespace of the Leases (default: $POD_NAMESPACE, the service account's namespace, --namespace, or the context's)."
    )
    var leaseNamespace: String?

    @Option(help: "How long a standby waits, from the last renewal it saw, before it takes over (Go duration).")
    var leaseDuration = "15s"

    @Option(help: "How long the holder tries to renew before it stops working (Go duration).")
    var renewDeadline = "10s"

    @Option(help: "How often the holder renews and standbys look (Go duration).")
    var retryPeriod = "2s"

    @Option(help: "This replica's name in its Lease (default: $POD_NAME, else host_pid).")
    var identity: String?

    var enabled: Bool { leaderElect || shards != nil }

    func validate() throws {
        if leaderElect && shards != nil { throw ValidationError("--leader-elect and --shards: give one") }
        if let shards, !(1...1000).contains(shards) { throw ValidationError("--shards \(shards): expected 1 to 1000") }
        _ = try timings()
    }

    func timings() throws -> LeaseTimings {
        func parse(_ flag: String, _ text: String) throws -> Duration {
            guard let d = GoDuration.parse(text), d > .zero else {
                throw ValidationError("--\(flag) \(text): expected a duration such as 15s or 500ms")
            }
            return d
        }
        let t = LeaseTimings(
            leaseDuration: try parse("lease-duration", leaseDuration),
            renewDeadline: try parse("renew-deadline", renewDeadline),
            retryPeriod: try parse("retry-period", retryPeriod))
        if let problem = t.problem {
            throw ValidationError(
                "--lease-duration \(leaseDuration), --renew-deadline \(renewDeadline), --retry-period \(retryPeriod): \(problem)"
            )
        }
        return t
    }

    /// `$POD_NAME`, else `host_pid`.
    func resolvedIdentity(_ environment: [String: String]) -> String {
        if let identity, !identity.isEmpty { return identity }
        if let pod = environment["POD_NAME"], !pod.isEmpty { return pod }
        var buffer = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return "\(host)_\(getpid())"
    }

    /// The gate and the service that keeps it (run before the controller, stopped after it),
    /// or nil when neither flag is given.
    func gate(
        client: KubeClient, namespace: String?, serviceAccountDir: String, environment: [String: String], logger: Logger
    ) throws -> (any WorkGate & Service)? {
        guard enabled else { return nil }
        let own = (try? String(contentsOfFile: serviceAccountDir + "/namespace", encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let resolved = [leaseNamespace, environment["POD_NAMESPACE"], own, namespace, client.defaultNamespace]
            .compactMap { $0 }.first { !$0.isEmpty }
        let leases = LeaseClient(client: client, namespace: resolved ?? "default")
        let identity = resolvedIdentity(environment)
        let timings = try timings()
        if let shards {
            logger.info(
                "sharding",
                metadata: [
                    "shards": "\(shards)", "identity": "\(identity)",
                    "leases": "\(leases.namespace)/\(leaseName)-shard-*",
                ])
            return ShardMembership(
                leases: leases, base: leaseName, identity: identity, shards: shards, timings: timings, logger: logger)
        }
        logger.info(
            "leader election", metadata: ["identity": "\(identity)", "lease": "\(leases.namespace)/\(leaseName)"])
        return LeaderElector(leases: leases, name: leaseName, identity: identity, timings: timings, logger: logger)
    }
}
