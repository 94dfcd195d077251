// A deterministic corpus of realistic Kubernetes manifests for the YAML benchmark.

/// A small deterministic generator (SplitMix64), so every run parses the same bytes.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

enum KubernetesCorpus {
    static let teams = ["payments", "search", "identity", "ingest", "billing", "platform", "ml", "web"]
    static let images = ["nginx:1.25.3", "ghcr.io/acme/api:v2.14.1", "redis:7.2-alpine", "envoyproxy/envoy:v1.29.1",
                         "quay.io/prometheus/node-exporter:v1.7.0", "registry.acme.dev/worker@sha256:3f9c2ab7d1e0"]
    static let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]

    /// `count` objects as multi-document YAML, split into files of `perFile` documents.
    static func files(count: Int, perFile: Int) -> [[UInt8]] {
        var rng = SplitMix64(state: 0x5EED)
        var files: [[UInt8]] = []
        var current = ""
        for i in 0..<count {
            if i % perFile == 0 && i > 0 {
                files.append(Array(current.utf8))
                current = ""
            }
            if i % perFile != 0 { current += "---\n" }
            switch i % 10 {
            case 0, 1, 2, 3: current += deployment(i, &rng)
            case 4, 5, 6: current += service(i, &rng)
            default: current += configMap(i, &rng)
            }
        }
        files.append(Array(current.utf8))
        return files
    }

    static func metadata(_ name: String, _ team: String, _ i: Int, _ rng: inout SplitMix64) -> String {
        """
        metadata:
          name: \(name)
          namespace: \(team)-prod
          labels:
            app.kubernetes.io/name: \(name)
            app.kubernetes.io/part-of: \(team)
            app.kubernetes.io/managed-by: plumb
            plumb.dev/app: \(team)
            tier: "\(rng.pick(["frontend", "backend", "data"]))"
          annotations:
            plumb.dev/sync-wave: "\(rng.below(5))"
            deployment.kubernetes.io/revision: "\(1 + rng.below(40))"
            acme.dev/owner: \(team)-oncall@acme.dev
            acme.dev/description: Serves \(rng.pick(words)) traffic for the \(team) team (object \(i))

        """
    }

    static func deployment(_ i: Int, _ rng: inout SplitMix64) -> String {
        let team = rng.pick(teams)
        let name = "\(team)-\(rng.pick(words))-\(i)"
        var s = "# Deployment \(i) for \(team)\napiVersion: apps/v1\nkind: Deployment\n"
        s += metadata(name, team, i, &rng)
        s += """
            spec:
              replicas: \(1 + rng.below(6))
              revisionHistoryLimit: 10
              selector:
                matchLabels:
                  app.kubernetes.io/name: \(name)
              strategy:
                type: RollingUpdate
                rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: \(name)
                    plumb.dev/app: \(team)
                spec:
                  serviceAccountName: \(team)
                  terminationGracePeriodSeconds: 30
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 10001
                    fsGroup: 10001
                  containers:

            """
        for c in 0..<(1 + rng.below(2)) {
            let port = 8000 + rng.below(1000)
            s += """
                      - name: \(c == 0 ? "app" : "sidecar")
                        image: \(rng.pick(images))
                        imagePullPolicy: IfNotPresent
                        args: ["--port=\(port)", "--log-level", "info"]
                        ports:
                        - name: http
                          containerPort: \(port)
                          protocol: TCP
                        - name: metrics
                          containerPort: 9090
                          protocol: TCP
                        env:
                        - name: TEAM
                          value: \(team)
                        - name: GOMAXPROCS
                          value: "\(1 + rng.below(4))"
                        - name: FEATURE_FLAGS
                          value: 'search,\(rng.pick(words)),beta'
                        - name: POD_IP
                          valueFrom:
                            fieldRef:
                              fieldPath: status.podIP
                        resources:
                          requests:
                            cpu: \(50 * (1 + rng.below(8)))m
                            memory: \(64 * (1 + rng.below(8)))Mi
                          limits:
                            cpu: "\(1 + rng.below(2))"
                            memory: \(128 * (1 + rng.below(8)))Mi
                        readinessProbe:
                          httpGet:
                            path: /healthz
                            port: http
                          initialDelaySeconds: 5
                          periodSeconds: 10
                        livenessProbe:
                          httpGet: {path: /livez, port: http}
                          failureThreshold: 3
                          timeoutSeconds: 1.5
                        volumeMounts:
                        - name: config
                          mountPath: /etc/\(team)
                          readOnly: true

                """
        }
        s += """
                  volumes:
                  - name: config
                    configMap:
                      name: \(name)-config

            """
        return s
    }

    static func service(_ i: Int, _ rng: inout SplitMix64) -> String {
        let team = rng.pick(teams)
        let name = "\(team)-svc-\(i)"
        var s = "apiVersion: v1\nkind: Service\n"
        s += metadata(name, team, i, &rng)
        s += """
            spec:
              type: \(rng.pick(["ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"]))
              selector:
                app.kubernetes.io/name: \(name)
              ports:
              - name: http
                port: 80
                targetPort: http
                protocol: TCP
              - name: https
                port: 443
                targetPort: \(8443 + rng.below(10))
              sessionAffinity: None

            """
        return s
    }

    static func configMap(_ i: Int, _ rng: inout SplitMix64) -> String {
        let team = rng.pick(teams)
        let name = "\(team)-config-\(i)"
        var s = "apiVersion: v1\nkind: ConfigMap\n"
        s += metadata(name, team, i, &rng)
        s += """
            data:
              LOG_LEVEL: info
              ENABLED: "true"
              MAX_CONNECTIONS: "\(100 * (1 + rng.below(10)))"
              settings.yaml: |
                server:
                  port: \(8000 + rng.below(1000))
                  timeout: 30s
                features:
                  - \(rng.pick(words))
                  - \(rng.pick(words))
                database:
                  host: db.\(team).svc.cluster.local
                  pool: \(5 + rng.below(20))
              nginx.conf: |-
                server {
                    listen 80;
                    location / { proxy_pass http://127.0.0.1:\(8000 + rng.below(1000)); }
                }
              banner: >
                Welcome to the \(team) service,
                managed by plumb.

            """
        return s
    }
}
