import Foundation
import PlumbCore

/// Defaulting as kube-apiserver's registered defaulters do it, per type.
enum Defaults {
    /// Sets `object[key]` when it is missing (or null).
    static func setDefault(_ o: inout ValueObject, _ key: String, _ value: @autoclosure () -> Value) {
        if o[key] == nil || o[key]!.isNull { o[key] = value() }
    }

    /// Applies `edit` to the object member `key` (created when missing).
    static func edit(_ o: inout ValueObject, _ key: String, _ edit: (inout ValueObject) -> Void) {
        var inner = o[key]?.objectValue ?? ValueObject()
        if o[key] != nil { o[key] = .null }  // release the storage so the edit happens in place
        edit(&inner)
        o[key] = .object(inner)
    }

    /// Applies `edit` to each object of the array member `key`, when present.
    static func editEach(_ o: inout ValueObject, _ key: String, _ edit: (inout ValueObject) -> Void) {
        guard case .array(var items)? = o[key] else { return }
        o[key] = .null
        for i in items.indices {
            guard case .object(var item) = items[i] else { continue }
            items[i] = .null
            edit(&item)
            items[i] = .object(item)
        }
        o[key] = .array(items)
    }

    /// Defaults one object of `type` in place (everything but server-allocated values).
    static func apply(_ object: inout Value, type: ResourceType) {
        guard case .object(var o) = object else { return }
        object = .null
        switch (type.group, type.resource) {
        case ("apps", "deployments"): deployment(&o)
        case ("apps", "statefulsets"): statefulSet(&o)
        case ("apps", "daemonsets"): daemonSet(&o)
        case ("apps", "replicasets"):
            edit(&o, "spec") { spec in
                setDefault(&spec, "replicas", 1)
                edit(&spec, "template") { podTemplate(&$0) }
            }
        case ("batch", "jobs"): job(&o)
        case ("batch", "cronjobs"): cronJob(&o)
        case ("", "pods"): edit(&o, "spec") { podSpec(&$0) }
        case ("", "services"): service(&o)
        case ("", "secrets"): secret(&o)
        case ("", "namespaces"): namespace(&o)
        case ("", "persistentvolumeclaims"):
            edit(&o, "spec") { setDefault(&$0, "volumeMode", "Filesystem") }
        default: break
        }
        object = .object(o)
    }

    static func deployment(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "replicas", 1)
            edit(&spec, "template") { podTemplate(&$0) }
            edit(&spec, "strategy") { strategy in
                setDefault(&strategy, "type", "RollingUpdate")
                if strategy["type"]?.stringValue == "RollingUpdate" {
                    edit(&strategy, "rollingUpdate") { ru in
                        setDefault(&ru, "maxUnavailable", "25%")
                        setDefault(&ru, "maxSurge", "25%")
                    }
                }
            }
            setDefault(&spec, "revisionHistoryLimit", 10)
            setDefault(&spec, "progressDeadlineSeconds", 600)
        }
    }

    static func statefulSet(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "replicas", 1)
            edit(&spec, "template") { podTemplate(&$0) }
            setDefault(&spec, "podManagementPolicy", "OrderedReady")
            edit(&spec, "updateStrategy") { us in
                setDefault(&us, "type", "RollingUpdate")
                if us["type"]?.stringValue == "RollingUpdate" {
                    edit(&us, "rollingUpdate") { setDefault(&$0, "partition", 0) }
                }
            }
            setDefault(&spec, "revisionHistoryLimit", 10)
            edit(&spec, "persistentVolumeClaimRetentionPolicy") { p in
                setDefault(&p, "whenDeleted", "Retain")
                setDefault(&p, "whenScaled", "Retain")
            }
        }
    }

    static func daemonSet(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            edit(&spec, "template") { podTemplate(&$0) }
            edit(&spec, "updateStrategy") { us in
                setDefault(&us, "type", "RollingUpdate")
                if us["type"]?.stringValue == "RollingUpdate" {
                    edit(&us, "rollingUpdate") { ru in
                        setDefault(&ru, "maxUnavailable", 1)
                        setDefault(&ru, "maxSurge", 0)
                    }
                }
            }
            setDefault(&spec, "revisionHistoryLimit", 10)
        }
    }

    static func job(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "parallelism", 1)
            setDefault(&spec, "completions", 1)
            setDefault(&spec, "backoffLimit", 6)
            setDefault(&spec, "completionMode", "NonIndexed")
            setDefault(&spec, "suspend", false)
            setDefault(&spec, "podReplacementPolicy", "TerminatingOrFailed")
            edit(&spec, "template") { podTemplate(&$0) }
        }
    }

    static func cronJob(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "concurrencyPolicy", "Allow")
            setDefault(&spec, "suspend", false)
            setDefault(&spec, "successfulJobsHistoryLimit", 3)
            setDefault(&spec, "failedJobsHistoryLimit", 1)
            edit(&spec, "jobTemplate") { jt in
                edit(&jt, "spec") { js in
                    setDefault(&js, "parallelism", 1)
                    setDefault(&js, "completions", 1)
                    setDefault(&js, "backoffLimit", 6)
                    setDefault(&js, "completionMode", "NonIndexed")
                    setDefault(&js, "suspend", false)
                    setDefault(&js, "podReplacementPolicy", "TerminatingOrFailed")
                    edit(&js, "template") { podTemplate(&$0) }
                }
            }
        }
    }

    static func podTemplate(_ template: inout ValueObject) {
        edit(&template, "spec") { podSpec(&$0) }
    }

    static func podSpec(_ spec: inout ValueObject) {
        editEach(&spec, "initContainers") { container(&$0) }
        editEach(&spec, "containers") { container(&$0) }
        setDefault(&spec, "restartPolicy", "Always")
        setDefault(&spec, "terminationGracePeriodSeconds", 30)
        setDefault(&spec, "dnsPolicy", "ClusterFirst")
        setDefault(&spec, "securityContext", .object(ValueObject()))
        setDefault(&spec, "schedulerName", "default-scheduler")
    }

    static func container(_ c: inout ValueObject) {
        editEach(&c, "ports") { setDefault(&$0, "protocol", "TCP") }
        setDefault(&c, "resources", .object(ValueObject()))
        setDefault(&c, "terminationMessagePath", "/dev/termination-log")
        setDefault(&c, "terminationMessagePolicy", "File")
        let policy = pullPolicy(for: c["image"]?.stringValue ?? "")
        setDefault(&c, "imagePullPolicy", .string(policy))
    }

    /// `Always` for `:latest` or an untagged image, else `IfNotPresent` (digests count as tags).
    static func pullPolicy(for image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastPart = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastPart.lastIndex(of: ":") else { return "Always" }
        return lastPart[lastPart.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    static func service(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            let type = spec["type"]?.stringValue ?? "ClusterIP"
            if let ports = spec["ports"]?.arrayValue {
                spec["ports"] = .array(ports.map { servicePort($0) })
            }
            setDefault(&spec, "type", "ClusterIP")
            if type != "ExternalName" {
                setDefault(&spec, "sessionAffinity", "None")
                setDefault(&spec, "internalTrafficPolicy", "Cluster")
            }
            if type == "NodePort" || type == "LoadBalancer" {
                setDefault(&spec, "externalTrafficPolicy", "Cluster")
            }
        }
        edit(&o, "status") { setDefault(&$0, "loadBalancer", .object(ValueObject())) }
    }

    /// Port members in the Go struct's order, protocol TCP and targetPort = port by default.
    static func servicePort(_ port: Value) -> Value {
        guard case .object(let p) = port else { return port }
        var out = ValueObject()
        for key in ["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"] {
            if let v = p[key] { out[key] = v }
            if key == "protocol" && out["protocol"] == nil { out["protocol"] = "TCP" }
            if key == "targetPort" && out["targetPort"] == nil, let port = p["port"] { out["targetPort"] = port }
        }
        for e in p where out[e.key] == nil { out[e.key] = e.value }
        return .object(out)
    }

    static func secret(_ o: inout ValueObject) {
        // The same fold the diff engine predicts with, so the two can never disagree.
        if let folded = SecretData.foldStringData(.object(o)).objectValue { o = folded }
        o["stringData"] = nil
        setDefault(&o, "type", "Opaque")
    }

    static func namespace(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in setDefault(&spec, "finalizers", ["kubernetes"]) }
        edit(&o, "status") { setDefault(&$0, "phase", "Active") }
    }
}
