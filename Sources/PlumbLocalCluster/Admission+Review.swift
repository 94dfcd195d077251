import PlumbCore

extension Admission {
    /// A problem with a webhook's answer, in VerifyAdmissionResponse's words.
    struct InvalidResponse: Error, Sendable {
        var message: String
    }

    /// The `admission.k8s.io/v1` AdmissionReview sent to a webhook, field by field as
    /// CreateV1AdmissionReview fills it (the local cluster serves one version per kind, so the
    /// request's kind and resource are the ones the webhook is sent).
    static func review(uid: String, _ a: AdmissionAttributes) -> Value {
        let kind: Value = ["group": .string(a.type.group), "version": .string(a.type.version), "kind": .string(a.type.kind)]
        let resource: Value = ["group": .string(a.type.group), "version": .string(a.type.version), "resource": .string(a.type.resource)]
        var request: Value = ["uid": .string(uid), "kind": kind, "resource": resource]
        if !a.subresource.isEmpty { request["subResource"] = .string(a.subresource) }
        request["requestKind"] = kind
        request["requestResource"] = resource
        if !a.subresource.isEmpty { request["requestSubResource"] = .string(a.subresource) }
        if !a.name.isEmpty { request["name"] = .string(a.name) }
        if !a.namespace.isEmpty { request["namespace"] = .string(a.namespace) }
        request["operation"] = .string(a.operation)
        request["userInfo"] = userInfo
        request["object"] = a.object ?? .null
        request["oldObject"] = a.oldObject ?? .null
        request["dryRun"] = .bool(a.dryRun)
        request["options"] = a.options
        return ["kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": request]
    }

    /// VerifyAdmissionResponse for a validating webhook: the review's `response`, once its
    /// kind, uid and the absence of a patch are checked.
    static func verify(_ answer: Value, uid: String) -> Result<Value, InvalidResponse> {
        let apiVersion = answer["apiVersion"]?.stringValue ?? "", kind = answer["kind"]?.stringValue ?? ""
        guard let response = answer["response"], case .object = response else {
            return .failure(.init(message: "webhook response was absent"))
        }
        let got = response["uid"]?.stringValue ?? ""
        guard got == uid else {
            return .failure(.init(message: "expected response.uid=\(WebhookClient.quoted(uid)), got \(WebhookClient.quoted(got))"))
        }
        guard apiVersion == "admission.k8s.io/v1", kind == "AdmissionReview" else {
            let gv = apiVersion.contains("/") ? apiVersion : "/" + apiVersion
            return .failure(.init(message: "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got \(gv), Kind=\(kind)"))
        }
        if let patch = response["patch"]?.stringValue, !patch.isEmpty {
            return .failure(.init(message: "validating webhook may not return response.patch"))
        }
        if response["patchType"] != nil && response["patchType"] != .null {
            return .failure(.init(message: "validating webhook may not return response.patchType"))
        }
        return .success(response)
    }
}
