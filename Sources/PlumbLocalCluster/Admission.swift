import Foundation
import PlumbCore

/// What one request asks of admission, as kube-apiserver's `admission.Attributes` holds it.
struct AdmissionAttributes: Sendable {
    var type: ResourceType
    /// "" for the main resource.
    var subresource: String
    /// `CREATE`, `UPDATE` or `DELETE`.
    var operation: String
    var name: String
    /// The object's namespace; for a Namespace itself, its own name (as the request info has it).
    var namespace: String
    var object: Value?
    var oldObject: Value?
    var dryRun: Bool
    /// The operation's options object (`CreateOptions`, `UpdateOptions`, `DeleteOptions`).
    var options: Value
}

extension APIServer {
    /// Runs a create, update, patch or apply under validating admission, as kube-apiserver
    /// does: the write is computed first as a dry run (the same code path, so the webhooks see
    /// the final object after defaulting and merging), every matching webhook of every
    /// ValidatingWebhookConfiguration is called with it, and only then is the write made.
    /// Returns the write's result and the webhooks' warnings; a denial or a failing webhook
    /// is thrown as the real server's error. Without webhook configurations the write runs once.
    func admitted<R: Sendable>(
        _ request: APIRequest, _ t: Target, options: WriteOptions,
        _ write: (WriteOptions) async throws(APIError) -> R, object: (R) -> Value
    ) async throws(APIError) -> (R, [String]) {
        let configurations = await store.validatingWebhookConfigurations()
        guard !configurations.isEmpty, !Admission.isExempt(t.type) else { return (try await write(options), []) }
        let old: Value? = if let name = t.name { await store.get(t.type.groupResource, namespace: t.namespace, name: name) } else { nil }
        var attributes = AdmissionAttributes(
            type: t.type, subresource: t.subresource ?? "", operation: old == nil ? "CREATE" : "UPDATE", name: t.name ?? "",
            namespace: Admission.namespace(t, name: t.name ?? ""), object: nil, oldObject: old, dryRun: options.dryRun,
            options: Admission.options(request, kind: old == nil ? "CreateOptions" : "UpdateOptions", dryRun: options.dryRun))
        // A write that no webhook's rules name is made once, without the preview.
        guard Admission.anyRuleMatches(configurations, attributes) else { return (try await write(options), []) }
        var dryRun = options
        dryRun.dryRun = true
        let preview = try await write(dryRun)
        attributes.object = object(preview)
        if attributes.name.isEmpty {
            // A POST's name is the body's (create.go takes it before generateName is applied).
            attributes.name = (try? request.jsonBody())?.meta("name") ?? ""
            attributes.namespace = Admission.namespace(t, name: attributes.name)
        }
        let warnings = try await dispatch(configurations, attributes)
        if options.dryRun { return (preview, warnings) }
        return (try await write(options), warnings)
    }

    /// The same for the single-object form of `admitted`.
    func admitted(
        _ request: APIRequest, _ t: Target, options: WriteOptions, _ write: (WriteOptions) async throws(APIError) -> Value
    ) async throws(APIError) -> (Value, [String]) {
        try await admitted(request, t, options: options, write, object: { $0 })
    }

    /// Validating admission of a DELETE of one object: the webhooks see the stored object as
    /// `oldObject`. An object that is not there is left to the delete's own 404.
    func admitDelete(_ request: APIRequest, _ t: Target, options: DeleteOptions) async throws(APIError) -> [String] {
        let configurations = await store.validatingWebhookConfigurations()
        guard !configurations.isEmpty, !Admission.isExempt(t.type), let name = t.name,
            let old = await store.get(t.type.groupResource, namespace: t.namespace, name: name)
        else { return [] }
        var deleteOptions: Value = ["kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1"]
        if options.dryRun { deleteOptions["dryRun"] = ["All"] }
        if let policy = options.propagation { deleteOptions["propagationPolicy"] = .string(policy.rawValue) }
        let attributes = AdmissionAttributes(
            type: t.type, subresource: t.subresource ?? "", operation: "DELETE", name: name,
            namespace: Admission.namespace(t, name: name), object: nil, oldObject: old, dryRun: options.dryRun,
            options: deleteOptions)
        return try await dispatch(configurations, attributes)
    }

    /// A DELETE of a collection is admitted object by object, as kube-apiserver deletes it;
    /// here every object is admitted before any is deleted.
    func admitDeleteCollection(
        _ request: APIRequest, _ t: Target, labels: LabelSelector, fields: FieldSelector, options: DeleteOptions
    ) async throws(APIError) -> [String] {
        guard !(await store.validatingWebhookConfigurations()).isEmpty, !Admission.isExempt(t.type) else { return [] }
        var warnings: [String] = []
        let namespace: String? = t.namespace.isEmpty ? nil : t.namespace
        for (_, object) in await store.list(t.type.groupResource, namespace: namespace, labels: labels, fields: fields) {
            var one = t
            one.name = object.meta("name")
            one.namespace = object.meta("namespace") ?? t.namespace
            warnings += try await admitDelete(request, one, options: options)
        }
        return warnings
    }

    /// Calls every webhook that matches, all at once (as the real dispatcher does); returns their
    /// warnings, or throws the first refusal in webhook order (kube-apiserver returns the first
    /// to arrive; the order here is fixed so that answers are repeatable).
    private func dispatch(_ configurations: [Value], _ a: AdmissionAttributes) async throws(APIError) -> [String] {
        let namespaceObject: Value? =
            if a.type.group.isEmpty && a.type.resource == "namespaces" { nil } else if a.namespace.isEmpty { nil } else {
                await store.get(GroupResource(group: "", resource: "namespaces"), namespace: "", name: a.namespace)
            }
        var hooks: [Admission.Webhook] = []
        for configuration in configurations {
            for spec in configuration["webhooks"]?.arrayValue ?? [] {
                let hook = Admission.Webhook(configuration: configuration.meta("name") ?? "", spec: spec)
                if try hook.shouldCall(a, namespace: namespaceObject) { hooks.append(hook) }
            }
        }
        if hooks.isEmpty { return [] }
        let services = await store.list(GroupResource(group: "", resource: "services"), namespace: nil).map(\.key)
        let outcomes = await withTaskGroup(of: (Int, Admission.Outcome).self) { group in
            for (i, hook) in hooks.enumerated() {
                group.addTask { (i, await hook.call(a, services: Set(services))) }
            }
            var all = [Admission.Outcome?](repeating: nil, count: hooks.count)
            for await (i, outcome) in group { all[i] = outcome }
            return all.compactMap { $0 }
        }
        let warnings = outcomes.flatMap(\.warnings)
        if var refusal = outcomes.lazy.compactMap(\.error).first {
            refusal.warnings = warnings
            throw refusal
        }
        return warnings
    }
}

extension ClusterStore {
    /// The stored ValidatingWebhookConfigurations, by name (the order kube-apiserver's
    /// configuration manager sorts them in).
    func validatingWebhookConfigurations() -> [Value] {
        guard let all = objects[Admission.configurations], !all.isEmpty else { return [] }
        return all.sorted { $0.key < $1.key }.map(\.value)
    }
}

/// Validating admission webhooks: matching, the call, and the errors, after
/// k8s.io/apiserver/pkg/admission/plugin/webhook.
enum Admission {
    static let configurations = GroupResource(group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations")

    /// The user every request of the sandbox is made as (one bearer token, full rights).
    static let userInfo: Value = ["username": "plumb-admin", "groups": ["system:masters", "system:authenticated"]]

    /// Admission configuration kinds are never sent to webhooks, so that a broken webhook
    /// cannot lock its own configuration (rules.IsExemptAdmissionConfigurationResource).
    static func isExempt(_ type: ResourceType) -> Bool {
        type.group == "admissionregistration.k8s.io"
            && [
                "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
                "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
            ].contains(type.kind)
    }

    /// Whether any webhook's rules name the request (the part of matching that needs no object).
    static func anyRuleMatches(_ configurations: [Value], _ a: AdmissionAttributes) -> Bool {
        configurations.contains { configuration in
            (configuration["webhooks"]?.arrayValue ?? []).contains { hook in
                (hook["rules"]?.arrayValue ?? []).contains { Webhook.rule($0, matches: a) }
            }
        }
    }

    /// The request's namespace; a Namespace's own name for requests on Namespaces.
    static func namespace(_ t: Target, name: String) -> String {
        t.type.group.isEmpty && t.type.resource == "namespaces" ? name : t.namespace
    }

    /// The options object of a write as admission sees it: what the query set of `dryRun`,
    /// `fieldManager` and `fieldValidation` (a PATCH's options become Create- or UpdateOptions).
    static func options(_ request: APIRequest, kind: String, dryRun: Bool) -> Value {
        var o: Value = ["kind": .string(kind), "apiVersion": "meta.k8s.io/v1"]
        if dryRun { o["dryRun"] = ["All"] }
        if let m = request.query["fieldManager"], !m.isEmpty { o["fieldManager"] = .string(m) }
        if let v = request.query["fieldValidation"], !v.isEmpty { o["fieldValidation"] = .string(v) }
        return o
    }
}
