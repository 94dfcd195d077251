// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Plumb",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plumb", targets: ["plumb"]),
        .library(name: "PlumbCore", targets: ["PlumbCore"]),
        .library(name: "PlumbLocalCluster", targets: ["PlumbLocalCluster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C system libraries: one Swift importer each.
        .systemLibrary(
            name: "CGit2", path: "Sources/CGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(
            name: "CJsonnet", path: "Sources/CJsonnet",
            providers: [.apt(["libjsonnet-dev"])]),
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        // libcurl plus a shim for the variadic curl_easy_setopt, which Swift cannot call.
        .target(
            name: "CCurl", path: "Sources/CCurl",
            linkerSettings: [.linkedLibrary("curl")]),

        .target(name: "PlumbCore"),
        .target(name: "PlumbYAML", dependencies: ["PlumbCore", "CYAML"]),
        .target(
            name: "PlumbGit",
            dependencies: ["PlumbCore", "CGit2", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "PlumbKube", dependencies: ["PlumbCore", "PlumbYAML", "PlumbEngine", "CCurl"]),
        // Loading a path of a snapshot: plain YAML/JSON, Kustomize, Jsonnet, renderer plugins, SOPS.
        .target(
            name: "PlumbManifests",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "CJsonnet",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Commit statuses and pull-request plan comments on GitHub, GitLab, Gitea and Bitbucket.
        .target(
            name: "PlumbReport",
            dependencies: [
                "PlumbCore", "PlumbEngine", "PlumbKube",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        .target(
            name: "PlumbAudit",
            dependencies: [
                "PlumbCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "PlumbEngine", dependencies: ["PlumbCore"]),
        .target(
            name: "PlumbLocalCluster",
            dependencies: [
                "PlumbCore", "PlumbYAML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),

        // Progressive delivery inside the sync: canary and blue/green steps, traffic routers,
        // metric analysis, automatic rollback.
        .target(
            name: "PlumbRollout",
            dependencies: ["PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbEngine", "PlumbKube", "PlumbAudit"]),
        // Node state: files, sysctls, packages and units of hosts, as the engine's second Target.
        .target(
            name: "PlumbNode",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbEngine", "PlumbAudit", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The web dashboard, served by `plumb ui` and on the controller's port (`--ui`).
        .target(
            name: "PlumbUI",
            dependencies: [
                "PlumbCore", "PlumbEngine", "PlumbKube", "PlumbAudit", "PlumbController", "PlumbRollout", "PlumbNode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]),

        // The in-cluster agent: Applications, the reconcile loop, its work queue and watches,
        // status, events, metrics and probes.
        .target(
            name: "PlumbController",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbEngine", "PlumbKube", "PlumbAudit", "PlumbReport",
                "PlumbRollout", "PlumbNode",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        .executableTarget(
            name: "plumb",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbAudit", "PlumbLocalCluster",
                "PlumbEngine", "PlumbKube", "PlumbController", "PlumbReport", "PlumbRollout", "PlumbNode", "PlumbUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbLocalCluster", "PlumbEngine", "PlumbKube", "CYAML",
                "PlumbController", "PlumbAudit", "PlumbRollout", "PlumbNode", "PlumbUI", "PlumbTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks"),

        // Test-only helpers (a temp dir, running tools, git, free ports, background servers).
        .target(name: "PlumbTesting"),

        .testTarget(name: "PlumbCoreTests", dependencies: ["PlumbCore"]),
        .testTarget(name: "PlumbYAMLTests", dependencies: ["PlumbCore", "PlumbYAML"]),
        .testTarget(
            name: "PlumbKubeTests", dependencies: ["PlumbCore", "PlumbKube", "PlumbYAML", "PlumbLocalCluster", "PlumbEngine"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "PlumbManifestsTests",
            dependencies: ["PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbTesting"]),
        .testTarget(
            name: "PlumbReportTests",
            dependencies: [
                "PlumbCore", "PlumbEngine", "PlumbKube", "PlumbReport", "PlumbTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .testTarget(name: "PlumbGitTests", dependencies: ["PlumbCore", "PlumbGit", "PlumbTesting"]),
        .testTarget(name: "PlumbEngineTests", dependencies: ["PlumbCore", "PlumbEngine"]),
        .testTarget(
            name: "PlumbLocalClusterTests",
            dependencies: [
                "PlumbCore", "PlumbLocalCluster",
                // The admission tests run a real HTTPS webhook.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ]),
        .testTarget(
            name: "PlumbControllerTests",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbEngine", "PlumbKube", "PlumbAudit",
                "PlumbLocalCluster", "PlumbController", "PlumbReport", "PlumbTesting",
            ]),
        .testTarget(
            name: "PlumbRolloutTests",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbEngine", "PlumbKube", "PlumbAudit", "PlumbLocalCluster",
                "PlumbRollout", "PlumbController", "PlumbTesting",
            ]),
        .testTarget(
            name: "PlumbNodeTests",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbEngine", "PlumbAudit", "PlumbNode", "PlumbKube", "PlumbLocalCluster",
                "PlumbController", "PlumbTesting",
            ]),
        .testTarget(
            name: "PlumbUITests",
            dependencies: [
                "PlumbCore", "PlumbEngine", "PlumbKube", "PlumbAudit", "PlumbLocalCluster", "PlumbController", "PlumbUI",
                "PlumbTesting",
            ]),
        .testTarget(
            name: "PlumbCLITests",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "PlumbAudit", "PlumbLocalCluster", "PlumbTesting",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
