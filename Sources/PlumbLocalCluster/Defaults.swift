import Foundation
import PlumbCore

/// Defaulting as kube-apiserver's registered defaulters do it, per type: the `SetDefaults_*`
/// functions of pkg/apis/<group>/<version>/defaults.go and the `+default=` markers of the Go
/// types, called for nested structs as zz_generated.defaults.go calls them (Kubernetes 1.36).
/// Workloads are in `Defaults+Workloads.swift`, admission, RBAC and the cluster-scoped
/// configuration kinds in `Defaults+Admission.swift`, networking and autoscaling in
/// `Defaults+Networking.swift`.
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

    /// Applies `edit` to the object member `key` only when it is present (a pointer field).
    static func editIfPresent(_ o: inout ValueObject, _ key: String, _ edit: (inout ValueObject) -> Void) {
        guard o[key]?.objectValue != nil else { return }
        Defaults.edit(&o, key, edit)
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

    /// The members of `o` with `keys` first, in that order (the Go struct's field order, in
    /// which the server writes them), then the rest as they were.
    static func ordered(_ o: ValueObject, _ keys: [String]) -> ValueObject {
        var out = ValueObject(minimumCapacity: o.count)
        for key in keys { if let v = o[key] { out.appendUnchecked(key: key, value: v) } }
        for e in o where !keys.contains(e.key) { out.appendUnchecked(key: e.key, value: e.value) }
        return out
    }

    /// Defaults one object of `type` in place (everything but server-allocated values).
    static func apply(_ object: inout Value, type: ResourceType) {
        // Decoding into the Go types comes first: zero values of `omitempty` fields and nulls are
        // gone before any defaulter looks, so `protocol: ""` is defaulted like a missing one.
        if type.definedBy == nil { object = OmitEmpty.normalized(object) }
        guard case .object(var o) = object else { return }
        object = .null
        switch (type.group, type.resource) {
        case ("apps", "deployments"): deployment(&o)
        case ("apps", "statefulsets"): statefulSet(&o)
        case ("apps", "daemonsets"): daemonSet(&o)
        case ("apps", "replicasets"): replicaSet(&o)
        case ("batch", "jobs"): job(&o)
        case ("batch", "cronjobs"): cronJob(&o)
        case ("", "pods"): pod(&o)
        case ("", "podtemplates"): edit(&o, "template") { podTemplate(&$0) }
        case ("", "replicationcontrollers"): replicationController(&o)
        case ("", "services"): service(&o)
        case ("", "secrets"): secret(&o)
        case ("", "namespaces"): namespace(&o)
        case ("", "persistentvolumeclaims"): persistentVolumeClaim(&o)
        case ("", "persistentvolumes"): persistentVolume(&o)
        case ("", "endpoints"):
            editEach(&o, "subsets") { editEach(&$0, "ports") { setDefault(&$0, "protocol", "TCP") } }
        case ("admissionregistration.k8s.io", "validatingwebhookconfigurations"):
            editEach(&o, "webhooks") { webhook(&$0, mutating: false) }
        case ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"):
            editEach(&o, "webhooks") { webhook(&$0, mutating: true) }
        case ("networking.k8s.io", "networkpolicies"): networkPolicy(&o)
        case ("networking.k8s.io", "ingressclasses"): ingressClass(&o)
        case ("autoscaling", "horizontalpodautoscalers"): horizontalPodAutoscaler(&o, version: type.version)
        case ("apiregistration.k8s.io", "apiservices"): apiService(&o)
        case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"):
            roleBinding(&o)
        case ("scheduling.k8s.io", "priorityclasses"):
            setDefault(&o, "preemptionPolicy", "PreemptLowerPriority")
        case ("storage.k8s.io", "storageclasses"):
            setDefault(&o, "reclaimPolicy", "Delete")
            setDefault(&o, "volumeBindingMode", "Immediate")
        default: break
        }
        object = .object(o)
    }

    // MARK: - core/v1

    static func podTemplate(_ template: inout ValueObject) {
        edit(&template, "spec") { podSpec(&$0) }
    }

    /// SetDefaults_PodSpec and the defaulters zz_generated.defaults.go calls inside a pod spec.
    static func podSpec(_ spec: inout ValueObject) {
        editEach(&spec, "volumes") { volume(&$0) }
        editEach(&spec, "initContainers") { container(&$0) }
        editEach(&spec, "containers") { container(&$0) }
        editEach(&spec, "ephemeralContainers") { container(&$0) }
        setDefault(&spec, "restartPolicy", "Always")
        setDefault(&spec, "terminationGracePeriodSeconds", 30)
        setDefault(&spec, "dnsPolicy", "ClusterFirst")
        setDefault(&spec, "securityContext", .object(ValueObject()))
        setDefault(&spec, "schedulerName", "default-scheduler")
    }

    /// SetDefaults_Pod: on a Pod (not a template), requests default to limits, and service
    /// links are on.
    static func pod(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            podSpec(&spec)
            for key in ["initContainers", "containers"] {
                editEach(&spec, key) { c in
                    guard let limits = c[path: "resources", "limits"]?.objectValue, !limits.isEmpty else { return }
                    edit(&c, "resources") { r in
                        edit(&r, "requests") { requests in
                            for e in limits where requests[e.key] == nil { requests[e.key] = e.value }
                        }
                    }
                }
            }
            setDefault(&spec, "enableServiceLinks", true)
        }
    }

    static func container(_ c: inout ValueObject) {
        editEach(&c, "ports") { setDefault(&$0, "protocol", "TCP") }
        editEach(&c, "env") { env in
            editIfPresent(&env, "valueFrom") { from in
                editIfPresent(&from, "fieldRef") { setDefault(&$0, "apiVersion", "v1") }
            }
        }
        setDefault(&c, "resources", .object(ValueObject()))
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            editIfPresent(&c, probe) { self.probe(&$0) }
        }
        editIfPresent(&c, "lifecycle") { lifecycle in
            for hook in ["postStart", "preStop"] {
                editIfPresent(&lifecycle, hook) { editIfPresent(&$0, "httpGet") { httpGet(&$0) } }
            }
        }
        setDefault(&c, "terminationMessagePath", "/dev/termination-log")
        setDefault(&c, "terminationMessagePolicy", "File")
        let policy = pullPolicy(for: c["image"]?.stringValue ?? "")
        setDefault(&c, "imagePullPolicy", .string(policy))
    }

    /// SetDefaults_Probe, SetDefaults_HTTPGetAction and GRPCAction's `+default=""`.
    static func probe(_ p: inout ValueObject) {
        editIfPresent(&p, "httpGet") { httpGet(&$0) }
        editIfPresent(&p, "grpc") { setDefault(&$0, "service", "") }
        setDefault(&p, "timeoutSeconds", 1)
        setDefault(&p, "periodSeconds", 10)
        setDefault(&p, "successThreshold", 1)
        setDefault(&p, "failureThreshold", 3)
    }

    static func httpGet(_ h: inout ValueObject) {
        setDefault(&h, "path", "/")
        setDefault(&h, "scheme", "HTTP")
    }

    /// The volume source defaulters (SetDefaults_Volume and one per source kind).
    static func volume(_ v: inout ValueObject) {
        let sources = v.keys.filter { $0 != "name" }
        if sources.isEmpty { v["emptyDir"] = .object(ValueObject()) }
        editIfPresent(&v, "hostPath") { setDefault(&$0, "type", "") }
        editIfPresent(&v, "secret") { setDefault(&$0, "defaultMode", 420) }
        editIfPresent(&v, "configMap") { setDefault(&$0, "defaultMode", 420) }
        editIfPresent(&v, "downwardAPI") { d in
            setDefault(&d, "defaultMode", 420)
            editEach(&d, "items") { editIfPresent(&$0, "fieldRef") { setDefault(&$0, "apiVersion", "v1") } }
        }
        editIfPresent(&v, "projected") { p in
            setDefault(&p, "defaultMode", 420)
            editEach(&p, "sources") { source in
                editIfPresent(&source, "serviceAccountToken") { setDefault(&$0, "expirationSeconds", 3600) }
                editIfPresent(&source, "downwardAPI") { d in
                    editEach(&d, "items") { editIfPresent(&$0, "fieldRef") { setDefault(&$0, "apiVersion", "v1") } }
                }
            }
        }
        editIfPresent(&v, "iscsi") { setDefault(&$0, "iscsiInterface", "default") }
        editIfPresent(&v, "rbd") { r in
            setDefault(&r, "pool", "rbd")
            setDefault(&r, "user", "admin")
            setDefault(&r, "keyring", "/etc/ceph/keyring")
        }
        editIfPresent(&v, "azureDisk") { a in
            setDefault(&a, "cachingMode", "ReadWrite")
            setDefault(&a, "fsType", "ext4")
            setDefault(&a, "readOnly", false)
            setDefault(&a, "kind", "Shared")
        }
        editIfPresent(&v, "scaleIO") { s in
            setDefault(&s, "storageMode", "ThinProvisioned")
            setDefault(&s, "fsType", "xfs")
        }
        editIfPresent(&v, "ephemeral") { e in
            editIfPresent(&e, "volumeClaimTemplate") { edit(&$0, "spec") { setDefault(&$0, "volumeMode", "Filesystem") } }
        }
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
            if spec["sessionAffinity"]?.stringValue == "ClientIP"
                && spec[path: "sessionAffinityConfig", "clientIP", "timeoutSeconds"] == nil
            {
                spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": 10800]]
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

    /// SetDefaults_PersistentVolumeClaim(Spec): Filesystem volumes, a Pending claim.
    static func persistentVolumeClaim(_ o: inout ValueObject) {
        edit(&o, "spec") { setDefault(&$0, "volumeMode", "Filesystem") }
        edit(&o, "status") { setDefault(&$0, "phase", "Pending") }
    }

    static func persistentVolume(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "persistentVolumeReclaimPolicy", "Retain")
            setDefault(&spec, "volumeMode", "Filesystem")
        }
        edit(&o, "status") { setDefault(&$0, "phase", "Pending") }
    }

    /// SetDefaults_ReplicationController: selector and labels from the template, one replica.
    static func replicationController(_ o: inout ValueObject) {
        let labels = o[path: "spec", "template", "metadata", "labels"]?.objectValue ?? ValueObject()
        edit(&o, "spec") { spec in
            if !labels.isEmpty && (spec["selector"]?.objectValue ?? ValueObject()).isEmpty {
                spec["selector"] = .object(labels)
            }
            setDefault(&spec, "replicas", 1)
            editIfPresent(&spec, "template") { podTemplate(&$0) }
        }
        if !labels.isEmpty && (o[path: "metadata", "labels"]?.objectValue ?? ValueObject()).isEmpty {
            edit(&o, "metadata") { $0["labels"] = .object(labels) }
        }
    }
}

extension ValueObject {
    /// The value at a path of object keys below this object.
    subscript(path keys: String...) -> Value? {
        guard let first = keys.first else { return nil }
        return self[first]?[path: Array(keys.dropFirst())]
    }
}
