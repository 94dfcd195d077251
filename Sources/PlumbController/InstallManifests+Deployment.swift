import PlumbCore

extension InstallManifests {
    /// The controller's command line in the Deployment.
    static func arguments(_ o: Options) -> [Value] {
        var args: [String] = [
            "controller",
            "--log-format=\(o.logFormat)",
            "--concurrency=\(o.concurrency)",
            "--audit-db=\(dataDirectory)/audit.db",
            "--metrics-address=:\(httpPort)",
        ] + haArguments(o)
        if o.namespaced { args.append("--namespace=\(o.namespace)") }
        if let secret = o.webhookSecret { args.append("--webhook-secret=\(secret)") }
        return args.map { .string($0) }
    }

    /// The resources of the controller container by default.
    public static let defaultResources: Value = [
        "requests": ["cpu": "50m", "memory": "64Mi"],
        "limits": ["memory": "512Mi"],
    ]

    static func deployment(_ o: Options) -> Value {
        let container: Value = [
            "name": "controller",
            "image": .string(o.image),
            "imagePullPolicy": "IfNotPresent",
            "args": .array(arguments(o)),
            // The Git cache lives on the PVC next to the audit database, so a restart fetches
            // instead of cloning again.
            "env": [["name": "PLUMB_CACHE_DIR", "value": .string(dataDirectory + "/cache")]],
            "ports": [["name": "http", "containerPort": .int(httpPort), "protocol": "TCP"]],
            "livenessProbe": ["httpGet": ["path": "/healthz", "port": "http"], "periodSeconds": 10],
            "readinessProbe": ["httpGet": ["path": "/readyz", "port": "http"], "periodSeconds": 5],
            "resources": defaultResources,
            "securityContext": [
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "capabilities": ["drop": ["ALL"]],
            ],
            "volumeMounts": [
                ["name": "data", "mountPath": .string(dataDirectory)],
                ["name": "tmp", "mountPath": "/tmp"],
            ],
        ]
        return [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(name, namespace: o.namespace),
            "spec": [
                "replicas": .int(o.replicas),
                // One writer of the SQLite audit database on a ReadWriteOnce volume: the old pod
                // stops before the new one starts.
                "strategy": ["type": "Recreate"],
                "selector": ["matchLabels": labels("controller")],
                "template": [
                    "metadata": ["labels": labels("controller")],
                    "spec": [
                        "serviceAccountName": .string(name),
                        // SIGTERM lets a running sync finish its wave; give it time.
                        "terminationGracePeriodSeconds": 60,
                        "securityContext": [
                            "runAsNonRoot": true,
                            "runAsUser": 65532,
                            "runAsGroup": 65532,
                            "fsGroup": 65532,
                            "seccompProfile": ["type": "RuntimeDefault"],
                        ],
                        "containers": [container],
                        "volumes": [
                            ["name": "data", "persistentVolumeClaim": ["claimName": "plumb-data"]],
                            ["name": "tmp", "emptyDir": [:]],
                        ],
                    ],
                ],
            ],
        ]
    }
}
