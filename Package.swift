// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Plumb",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plumb", targets: ["plumb"]),
        .library(name: "PlumbCore", targets: ["PlumbCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C system libraries: one Swift importer each.
        .systemLibrary(
            name: "CGit2", path: "Sources/CGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        // libcurl plus a shim for the variadic curl_easy_setopt, which Swift cannot call.
        .target(
            name: "CCurl", path: "Sources/CCurl",
            linkerSettings: [.linkedLibrary("curl")]),

        .target(name: "PlumbCore"),
        .target(name: "PlumbYAML", dependencies: ["PlumbCore", "CYAML"]),
        .target(name: "PlumbGit", dependencies: ["PlumbCore", "CGit2"]),
        .target(name: "PlumbKube", dependencies: ["PlumbCore", "PlumbYAML", "CCurl"]),
        .target(name: "PlumbManifests", dependencies: ["PlumbCore", "PlumbYAML", "PlumbGit"]),

        .executableTarget(
            name: "plumb",
            dependencies: [
                "PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "Benchmarks",
            dependencies: ["PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests", "CYAML"],
            path: "Benchmarks"),

        .testTarget(name: "PlumbYAMLTests", dependencies: ["PlumbCore", "PlumbYAML"]),
        .testTarget(
            name: "PlumbKubeTests", dependencies: ["PlumbCore", "PlumbKube"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "PlumbGitTests", dependencies: ["PlumbCore", "PlumbGit"]),
        .testTarget(
            name: "PlumbCLITests",
            dependencies: ["PlumbCore", "PlumbYAML", "PlumbGit", "PlumbManifests"]),
    ],
    swiftLanguageModes: [.v6]
)
