// `Benchmarks kustomize`: a generated Kustomize tree of 1,000 objects (a base, three overlays
// stacked on it, patches and generators at every level), rendered by Plumb's native renderer
// (in process, and `plumb render` as a process when the release binary is built) and by
// `kubectl kustomize`, wall time of each and the ratio in the same run.
import Foundation
import PlumbCore
import PlumbGit
import PlumbManifests
import PlumbYAML

private let kustomizeRuns = 5
private let apps = 249  // four objects each, plus one generated object per level: 1,000 objects

func runKustomizeBenchmark() async throws {
    let repo = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-kustomize-bench-\(getpid())")
    defer { try? FileManager.default.removeItem(at: repo) }
    try writeKustomizeTree(at: repo)
    try git(["init", "-q", "-b", "main"], in: repo.path)
    try git(["add", "-A"], in: repo.path)
    try git(["-c", "user.name=bench", "-c", "user.email=bench@plumb", "commit", "-q", "-m", "tree"], in: repo.path)
    let top = "overlays/prod-eu"
    let expected = apps * 4 + 4

    var plumbBest = Double.infinity
    var rendered: [Value] = []
    for _ in 0..<kustomizeRuns {
        let start = DispatchTime.now().uptimeNanoseconds
        // A new repository handle each run: nothing is cached in Plumb between runs.
        let repository = try GitSource.open(url: repo.path)
        let snapshot = GitSnapshotReader(try repository.snapshot(at: try repository.resolve("HEAD").id))
        let output = try Kustomize.render(directory: top, snapshot: snapshot, read: { try snapshot.read($0) })
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard output.documents.count == expected else {
            throw BenchmarkError("Plumb rendered \(output.documents.count) objects, expected \(expected)")
        }
        plumbBest = min(plumbBest, elapsed)
        rendered = output.documents.map(\.0)
    }
    try checkSameObjects(rendered, kubectlOutput: try kubectlKustomizeOutput(repo.appendingPathComponent(top).path))

    let home = repo.appendingPathComponent(".kube-home").path
    var kubectlBest = Double.infinity
    for _ in 0..<kustomizeRuns {
        let (status, elapsed) = try await time {
            try kubectl(["kustomize", repo.appendingPathComponent(top).path], home: home)
        }
        guard status == 0 else { throw BenchmarkError("kubectl kustomize exited \(status)") }
        kubectlBest = min(kubectlBest, elapsed)
    }

    var processBest: Double?
    var processNote = "no release plumb binary beside this one"
    if let plumb = plumbBinary() {
        // Only timed when the binary renders this tree right (an older build may not know Kustomize).
        let arguments = ["render", "--repo", repo.path, "--path", top]
        let (status, yaml) = try capture(plumb, arguments)
        let objects = status == 0 ? (try? YAML.parseDocuments(yaml, file: "plumb-render").count) ?? 0 : 0
        if objects == expected {
            var best = Double.infinity
            for _ in 0..<kustomizeRuns {
                let (status, elapsed) = try await time { try runQuietly(plumb, arguments) }
                guard status == 0 else { throw BenchmarkError("plumb render exited \(status)") }
                best = min(best, elapsed)
            }
            processBest = best
        } else {
            processNote = "\(plumb) render exited \(status) with \(objects) objects, not \(expected)"
        }
    }

    print(
        "kustomize: a base and three stacked overlays, \(expected) objects (patches, generators, prefixes, labels at every level)"
    )
    print("  Plumb and kubectl kustomize rendered the same \(expected) objects, field for field")
    print(
        String(
            format: "  plumb, native renderer (in process, from a Git commit, best of %d)  %8.3f s", kustomizeRuns,
            plumbBest))
    if let processBest {
        print(
            String(
                format: "  plumb render (a process, best of %d)                               %8.3f s", kustomizeRuns,
                processBest))
    } else {
        print("  plumb render (a process): not measured (\(processNote))")
    }
    print(
        String(
            format: "  kubectl kustomize (best of %d)                                     %8.3f s", kustomizeRuns,
            kubectlBest))
    print(String(format: "  kubectl / plumb in process: %.1fx (target: at least 5x)", kubectlBest / plumbBest))
    if let processBest {
        print(String(format: "  kubectl / plumb render process: %.1fx", kubectlBest / processBest))
    }
}

/// Runs a program (from PATH when not a path) and returns its exit status and standard output.
private func capture(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [program] + arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The YAML `kubectl kustomize` prints for `directory`.
private func kubectlKustomizeOutput(_ directory: String) throws -> String {
    let (status, yaml) = try capture("kubectl", ["kustomize", directory])
    guard status == 0 else { throw BenchmarkError("kubectl kustomize exited \(status)") }
    return yaml
}

/// Throws unless Plumb's objects and kubectl's are the same set, compared as values.
private func checkSameObjects(_ plumb: [Value], kubectlOutput: String) throws {
    func key(_ v: Value) -> String {
        [v["apiVersion"], v["kind"], v["metadata"]?["namespace"], v["metadata"]?["name"]]
            .map { $0?.stringValue ?? "" }.joined(separator: " ")
    }
    let judge = Dictionary(try YAML.parseDocuments(kubectlOutput, file: "kubectl").map { (key($0.value), $0.value) }) {
        a, _ in a
    }
    let ours = Dictionary(plumb.map { (key($0), $0) }) { a, _ in a }
    guard judge.count == ours.count, judge.allSatisfy({ ours[$0.key] == $0.value }) else {
        let differing = Set(judge.keys).union(ours.keys).filter { judge[$0] != ours[$0] }.sorted().prefix(3)
        throw BenchmarkError("Plumb and kubectl kustomize differ, e.g. on \(differing.joined(separator: "; "))")
    }
}

/// Writes the tree: `base` with the apps and a generator, `overlays/staging` → `prod` → `prod-eu`.
private func writeKustomizeTree(at root: URL) throws {
    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
    var resources: [String] = []
    for i in 0..<apps {
        let name = String(format: "app-%03d", i)
        resources.append("  - \(name).yaml")
        try write(
            "base/\(name).yaml",
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: \(name)
              labels: {app: \(name)}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: \(name)}
              template:
                metadata:
                  labels: {app: \(name)}
                spec:
                  serviceAccountName: \(name)
                  containers:
                    - name: app
                      image: registry.example.com/\(name):1.0.0
                      ports:
                        - containerPort: 8080
                      env:
                        - name: SHARED
                          valueFrom:
                            configMapKeyRef: {name: shared, key: level}
                      envFrom:
                        - configMapRef: {name: \(name)}
                      resources:
                        requests: {cpu: 100m, memory: 64Mi}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: \(name)
            spec:
              selector: {app: \(name)}
              ports:
                - port: 80
                  targetPort: 8080
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: \(name)
            data:
              config.yaml: |
                name: \(name)
                replicas: 1
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: \(name)

            """)
    }
    try write(
        "base/kustomization.yaml",
        """
        resources:
        \(resources.joined(separator: "\n"))
        labels:
          - pairs: {app.kubernetes.io/part-of: bench}
            includeSelectors: true
        configMapGenerator:
          - name: shared
            literals: [level=info, color=blue]

        """)
    try write(
        "overlays/staging/kustomization.yaml",
        """
        resources: [../../base]
        namespace: staging
        namePrefix: staging-
        commonAnnotations: {stage: staging}
        configMapGenerator:
          - name: shared
            behavior: merge
            literals: [level=debug]
        secretGenerator:
          - name: staging-token
            literals: [token=abc]
        patches:
          - target: {kind: Deployment}
            patch: |-
              - op: replace
                path: /spec/replicas
                value: 2

        """)
    try write(
        "overlays/prod/kustomization.yaml",
        """
        resources: [../staging]
        namespace: prod
        namePrefix: prod-
        labels:
          - pairs: {env: prod}
            includeTemplates: true
        configMapGenerator:
          - name: prod-settings
            literals: [region=global]
        images:
          - name: registry.example.com/app-000
            newTag: 2.0.0
        patches:
          - target: {kind: Deployment, labelSelector: "app.kubernetes.io/part-of=bench"}
            patch: |-
              apiVersion: apps/v1
              kind: Deployment
              metadata: {name: any}
              spec:
                template:
                  spec:
                    containers:
                      - name: app
                        resources:
                          limits: {memory: 256Mi}

        """)
    try write(
        "overlays/prod-eu/kustomization.yaml",
        """
        resources: [../prod]
        nameSuffix: -eu
        commonLabels: {region: eu}
        secretGenerator:
          - name: eu-credentials
            literals: [user=eu, password=secret]
        patches:
          - target: {kind: Service}
            patch: |-
              - op: add
                path: /metadata/annotations
                value: {region: eu}

        """)
}
