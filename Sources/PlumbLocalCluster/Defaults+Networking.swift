import PlumbCore

/// networking.k8s.io/v1 and autoscaling: pkg/apis/networking/v1/defaults.go and
/// pkg/apis/autoscaling/{v1,v2}/defaults.go (Kubernetes 1.36). Ingress has no defaulter
/// (`pathType` is required in v1).
extension Defaults {
    /// SetDefaults_NetworkPolicyPort (protocol TCP, inside the atomic rule lists) and
    /// SetDefaults_NetworkPolicy: policyTypes is Ingress, plus Egress when egress rules exist.
    static func networkPolicy(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            for rules in ["ingress", "egress"] {
                editEach(&spec, rules) { editEach(&$0, "ports") { setDefault(&$0, "protocol", "TCP") } }
            }
            if (spec["policyTypes"]?.arrayValue ?? []).isEmpty {
                var types: [Value] = ["Ingress"]
                if !(spec["egress"]?.arrayValue ?? []).isEmpty { types.append("Egress") }
                spec["policyTypes"] = .array(types)
            }
        }
    }

    /// SetDefaults_IngressClass: parameters are cluster-scoped unless they say otherwise.
    static func ingressClass(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            editIfPresent(&spec, "parameters") { setDefault(&$0, "scope", "Cluster") }
        }
    }

    /// SetDefaults_HorizontalPodAutoscaler: one replica at least; in v2 an 80% CPU target when
    /// no metric is given, and a behavior that is given gets both scaling rules filled in.
    static func horizontalPodAutoscaler(_ o: inout ValueObject, version: String) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "minReplicas", 1)
            guard version == "v2" else { return }
            if (spec["metrics"]?.arrayValue ?? []).isEmpty {
                spec["metrics"] = [
                    [
                        "type": "Resource",
                        "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]],
                    ]
                ]
            }
            editIfPresent(&spec, "behavior") { behavior in
                edit(&behavior, "scaleUp") { up in
                    setDefault(&up, "stabilizationWindowSeconds", 0)
                    setDefault(&up, "selectPolicy", "Max")
                    setDefault(&up, "policies", [
                        ["type": "Pods", "value": 4, "periodSeconds": 15],
                        ["type": "Percent", "value": 100, "periodSeconds": 15],
                    ])
                    up = ordered(up, ["stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"])
                }
                // Scale-down's stabilization window stays unset: the controller's flag decides it.
                edit(&behavior, "scaleDown") { down in
                    setDefault(&down, "selectPolicy", "Max")
                    setDefault(&down, "policies", [["type": "Percent", "value": 100, "periodSeconds": 15]])
                    down = ordered(down, ["stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"])
                }
                behavior = ordered(behavior, ["scaleUp", "scaleDown"])
            }
        }
    }
}
