import PlumbCore
import PlumbAudit

extension InstallManifests {
    /// The controller's command line in the Deployment.
    static func arguments(_ o: Options) -> [Value] {
        var args: [String] = [
            "controller",
            "--log-format=\(o.logFormat)",
            "--concurrency=\(o.concurrency)",
            "--audit-db=\(o.auditDatabase?.url ?? dataDirectory + "/audit.db")",
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
        var env: [Value] = [["name": "PLUMB_CACHE_DIR", "value": .string(dataDirectory + "/cache")]]
        if let database = o.auditDatabase {
            let secret: Value = ["name": .string(database.passwordSecret), "key": .string(database.passwordKey)]
            env.append(["name": .string(AuditDatabase.passwordVariable), "valueFrom": ["secretKeyRef": secret]])
        }
        let container: Value = [
            "name": "controller",
            "image": .string(o.image),
            "imagePullPolicy": "IfNotPresent",
            "args": .array(arguments(o)),
            // The Git cache lives on the PVC next to the SQLite audit database, so a restart
            // fetches instead of cloning again; with a shared audit database, on an emptyDir.
            "env": .array(env),
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
        let data: Value =
            o.auditDatabase == nil
            ? ["name": "data", "persistentVolumeClaim": ["claimName": "plumb-data"]] : ["name": "data", "emptyDir": [:]]
        var spec: Value = [
            "replicas": .int(o.replicas),
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
                    "volumes": [data, ["name": "tmp", "emptyDir": [:]]],
                ],
            ],
        ]
        if o.auditDatabase == nil {
            // One writer of the SQLite audit database on a ReadWriteOnce volume: the old pod
            // stops before the new one starts.
            spec["strategy"] = ["type": "Recreate"]
        }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(name, namespace: o.namespace), "spec": spec]
    }
}
