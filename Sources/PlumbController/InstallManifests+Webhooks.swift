import PlumbCore

extension InstallManifests {
    /// An Ingress that routes `/hooks` of a host to the webhook receivers, and nothing else of
    /// the controller's HTTP port (its /metrics stays inside the cluster).
    public struct WebhookIngress: Sendable, Equatable {
        /// The host forges deliver to (nil: every host the ingress controller serves).
        public var host: String?
        /// The IngressClass (nil: the cluster's default class).
        public var className: String?
        /// The TLS Secret of `host` (nil: no `tls` section).
        public var tlsSecret: String?

        public init(host: String? = nil, className: String? = nil, tlsSecret: String? = nil) {
            self.host = host
            self.className = className
            self.tlsSecret = tlsSecret
        }
    }

    /// The Service in front of the webhook receivers, and the Ingress's backend.
    public static let webhookServiceName = "plumb-webhooks"
    /// The port of `webhookServiceName` (to the container's `http` port, where /hooks is served).
    public static let webhookServicePort: Int64 = 80
    /// The name of that port.
    public static let webhookPortName = "http-webhooks"
    /// The path prefix of the receivers (`/hooks/github`, `/hooks/gitlab`, ...).
    public static let webhookPath = "/hooks"

    /// The webhook Service and, when asked for, its Ingress; none without a webhook Secret.
    static func webhookObjects(_ o: Options) -> [Value] {
        guard o.webhookSecret != nil else { return [] }
        let service: Value = [
            "apiVersion": "v1", "kind": "Service", "metadata": metadata(webhookServiceName, namespace: o.namespace),
            "spec": [
                "type": "ClusterIP",
                "selector": labels("controller"),
                "ports": [
                    ["name": .string(webhookPortName), "port": .int(webhookServicePort), "targetPort": "http", "protocol": "TCP"]
                ],
            ],
        ]
        guard let ingress = o.webhookIngress else { return [service] }
        var rule: Value = [
            "http": [
                "paths": [
                    [
                        "path": .string(webhookPath), "pathType": "Prefix",
                        "backend": ["service": ["name": .string(webhookServiceName), "port": ["name": .string(webhookPortName)]]],
                    ]
                ]
            ]
        ]
        if let host = ingress.host { rule["host"] = .string(host) }
        var spec: Value = [:]
        if let className = ingress.className { spec["ingressClassName"] = .string(className) }
        if let secret = ingress.tlsSecret {
            var tls: Value = ["secretName": .string(secret)]
            if let host = ingress.host { tls["hosts"] = [.string(host)] }
            spec["tls"] = [tls]
        }
        spec["rules"] = [rule]
        return [
            service,
            [
                "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata(webhookServiceName, namespace: o.namespace),
                "spec": spec,
            ],
        ]
    }
}
