import Foundation
import PlumbCore

extension Admission {
    /// What one webhook call came to: its warnings, and a refusal (a denial, a failing call
    /// under failurePolicy Fail, or a dry run it does not support), if any.
    struct Outcome: Sendable {
        var warnings: [String] = []
        var error: APIError?
    }

    /// One webhook of a ValidatingWebhookConfiguration. Fields the configuration leaves out
    /// take the defaults of admissionregistration/v1 (failurePolicy Fail, timeoutSeconds 10,
    /// empty selectors, scope `*`).
    struct Webhook: Sendable {
        var configuration: String
        var spec: Value

        var name: String { spec["name"]?.stringValue ?? "" }
        var failsOpen: Bool { spec["failurePolicy"]?.stringValue == "Ignore" }
        var timeoutSeconds: Int64 { spec["timeoutSeconds"]?.intValue ?? 10 }

        /// generic.Webhook.ShouldCallHook: the namespace selector, the object selector, then the
        /// rules. `matchPolicy: Equivalent` is treated as Exact here: the local cluster serves
        /// each kind at one version only, so no other version could be equivalent.
        /// A missing namespace is a 404, but only for a webhook whose rules match.
        func shouldCall(_ a: AdmissionAttributes, namespace: Value?) throws(APIError) -> Bool {
            var namespaceError: APIError?
            if let selector = spec["namespaceSelector"], !Self.isEmptySelector(selector),
                !(a.namespace.isEmpty && !(a.type.group.isEmpty && a.type.resource == "namespaces"))
            {
                let labels: Value?
                if a.type.group.isEmpty && a.type.resource == "namespaces" && a.subresource.isEmpty
                    && (a.operation == "CREATE" || a.operation == "UPDATE")
                {
                    // A Namespace being written is matched by its own new labels.
                    labels = a.object?[path: ["metadata", "labels"]]
                } else if let namespace {
                    labels = namespace[path: ["metadata", "labels"]]
                } else if a.type.group.isEmpty && a.type.resource == "namespaces", let old = a.oldObject {
                    labels = old[path: ["metadata", "labels"]]
                } else {
                    labels = nil
                    namespaceError = APIError.notFound(resource: "namespaces", group: "", name: a.namespace)
                }
                if namespaceError == nil, !Self.selector(selector, matches: labels) { return false }
            }
            if let selector = spec["objectSelector"], !Self.isEmptySelector(selector) {
                let new = a.object.map { Self.selector(selector, matches: $0[path: ["metadata", "labels"]]) } ?? false
                let old = a.oldObject.map { Self.selector(selector, matches: $0[path: ["metadata", "labels"]]) } ?? false
                if !new && !old { return false }
            }
            guard (spec["rules"]?.arrayValue ?? []).contains(where: { Self.rule($0, matches: a) }) else { return false }
            if let namespaceError { throw namespaceError }
            return true
        }

        /// rules.Matcher: scope, operation, group, version and resource[/subresource].
        static func rule(_ rule: Value, matches a: AdmissionAttributes) -> Bool {
            func strings(_ key: String) -> [String] { rule[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            func exactOrWildcard(_ items: [String], _ requested: String) -> Bool {
                items.contains { $0 == "*" || $0 == requested }
            }
            let isNamespace = a.type.group.isEmpty && a.type.resource == "namespaces"
            switch rule["scope"]?.stringValue ?? "*" {
            case "*": break
            case "Namespaced": if isNamespace || a.namespace.isEmpty { return false }
            case "Cluster": if !(isNamespace || a.namespace.isEmpty) { return false }
            default: return false
            }
            guard exactOrWildcard(strings("operations"), a.operation), exactOrWildcard(strings("apiGroups"), a.type.group),
                exactOrWildcard(strings("apiVersions"), a.type.version)
            else { return false }
            return strings("resources").contains { item in
                let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let resource = parts[0], subresource = parts.count == 2 ? parts[1] : ""
                return (resource == "*" || resource == a.type.resource) && (subresource == "*" || subresource == a.subresource)
            }
        }

        static func isEmptySelector(_ selector: Value) -> Bool {
            (selector["matchLabels"]?.objectValue ?? ValueObject()).isEmpty && (selector["matchExpressions"]?.arrayValue ?? []).isEmpty
        }

        /// A metav1.LabelSelector (matchLabels and In/NotIn/Exists/DoesNotExist expressions)
        /// against a set of labels.
        static func selector(_ selector: Value, matches labels: Value?) -> Bool {
            var s = LabelSelector()
            for entry in selector["matchLabels"]?.objectValue ?? ValueObject() {
                s.requirements.append(.equals(entry.key, entry.value.stringValue ?? ""))
            }
            for e in selector["matchExpressions"]?.arrayValue ?? [] {
                let key = e["key"]?.stringValue ?? ""
                let values = Set(e["values"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                switch e["operator"]?.stringValue {
                case "In": s.requirements.append(.isIn(key, values))
                case "NotIn": s.requirements.append(.notIn(key, values))
                case "Exists": s.requirements.append(.exists(key))
                case "DoesNotExist": s.requirements.append(.doesNotExist(key))
                default: return false
                }
            }
            return s.matches(["metadata": ["labels": labels ?? [:]]])
        }

        /// validatingDispatcher.callHook and the dispatcher's handling of its error.
        func call(_ a: AdmissionAttributes, services: Set<String>) async -> Outcome {
            if a.dryRun {
                switch spec["sideEffects"]?.stringValue {
                case nil: return failed("Webhook SideEffects is nil")
                case "None"?, "NoneOnDryRun"?: break
                default:
                    return Outcome(error: APIError.badRequest("admission webhook \(WebhookClient.quoted(name)) does not support dry run"))
                }
            }
            // Only admission.k8s.io/v1 reviews are sent; a webhook that takes only v1beta1 is refused.
            guard (spec["admissionReviewVersions"]?.arrayValue ?? []).contains("v1") else {
                return failed("could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)")
            }
            let url: URL
            switch target(services: services) {
            case .failure(let error): return failed("failed to call webhook: \(error.message)")
            case .success(let u): url = u
            }
            let uid = UUID().uuidString.lowercased()
            let review = Admission.review(uid: uid, a)
            let response: WebhookClient.Response
            do {
                let body = try JSONWriter().bytes(review)
                response = try await WebhookClient.post(url: url, caBundle: caBundle, body: body, timeout: .seconds(timeoutSeconds))
            } catch let error as WebhookClient.CallError {
                return failed("failed to call webhook: Post \(WebhookClient.quoted(url.absoluteString)): \(error.message)")
            } catch {
                return failed("failed to call webhook: \(error)")
            }
            guard (200...206).contains(response.status) else {
                return failed("failed to call webhook: \(Admission.clientGoMessage(response))")
            }
            guard let answer = try? JSONReader().parse(response.body), case .object = answer else {
                return failed("failed to call webhook: couldn't get version/kind; json parse error: unexpected end of JSON input")
            }
            switch Admission.verify(answer, uid: uid) {
            case .failure(let problem): return failed("received invalid webhook response: \(problem.message)")
            case .success(let result):
                let warnings = result["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if result["allowed"]?.boolValue == true { return Outcome(warnings: warnings) }
                return Outcome(warnings: warnings, error: Admission.denial(name, result["status"]))
            }
        }

        /// ErrCallingWebhook: fails the request with a 500 under failurePolicy Fail, and is
        /// ignored under Ignore.
        private func failed(_ reason: String) -> Outcome {
            if failsOpen { return Outcome() }
            return Outcome(error: APIError.internalError("failed calling webhook \(WebhookClient.quoted(name)): \(reason)"))
        }

        private var caBundle: [UInt8] {
            guard let text = spec[path: ["clientConfig", "caBundle"]]?.stringValue, let data = Data(base64Encoded: text) else { return [] }
            return Array(data)
        }

        /// `clientConfig.url`, or the address of `clientConfig.service`. The sandbox runs no
        /// pods, so a service has no endpoints to reach: the call fails as kube-apiserver's
        /// service resolver fails it.
        private func target(services: Set<String>) -> Result<URL, WebhookClient.CallError> {
            if let text = spec[path: ["clientConfig", "url"]]?.stringValue {
                guard let url = URL(string: Admission.withTimeout(text, timeoutSeconds)) else {
                    return .failure(.init(message: "parse \(WebhookClient.quoted(text)): invalid URL"))
                }
                return .success(url)
            }
            guard let service = spec[path: ["clientConfig", "service"]] else {
                return .failure(.init(message: "webhook has no clientConfig"))
            }
            let name = service["name"]?.stringValue ?? "", namespace = service["namespace"]?.stringValue ?? ""
            let port = service["port"]?.intValue ?? 443
            let path = service["path"]?.stringValue ?? ""
            let address = Admission.withTimeout("https://\(name).\(namespace).svc:\(port)\(path)", timeoutSeconds)
            let why =
                services.contains("\(namespace)/\(name)")
                ? "no endpoints available for service \(WebhookClient.quoted(name))"
                : "service \(WebhookClient.quoted(name)) not found"
            return .failure(.init(message: "Post \(WebhookClient.quoted(address)): \(why)"))
        }
    }

    /// client-go's rest client adds the call's deadline to the URL as `timeout=<n>s`.
    static func withTimeout(_ url: String, _ seconds: Int64) -> String {
        url + (url.contains("?") ? "&" : "?") + "timeout=\(seconds)s"
    }

    /// ToStatusErr: the webhook's status with a code of at least 400 and the message
    /// `admission webhook "<name>" denied the request: <message or reason>`.
    static func denial(_ name: String, _ status: Value?) -> APIError {
        let deniedBy = "admission webhook \(WebhookClient.quoted(name)) denied the request"
        let message = status?["message"]?.stringValue ?? "", reason = status?["reason"]?.stringValue ?? ""
        let text =
            !message.isEmpty ? "\(deniedBy): \(message)" : !reason.isEmpty ? "\(deniedBy): \(reason)" : "\(deniedBy) without explanation"
        let code = Int(status?["code"]?.intValue ?? 0)
        let details = status?["details"]
        var error = APIError(
            code: code < 400 ? 400 : code, reason: reason, message: text, name: details?["name"]?.stringValue,
            group: details?["group"]?.stringValue, kind: details?["kind"]?.stringValue,
            causes: (details?["causes"]?.arrayValue ?? []).map {
                APIError.Cause(reason: $0["reason"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? "", field: $0["field"]?.stringValue)
            })
        error.retryAfterSeconds = details?["retryAfterSeconds"]?.intValue.map { Int($0) }
        return error
    }

    /// What client-go's rest client makes of an answer outside 200–206 (NewGenericServerResponse).
    static func clientGoMessage(_ response: WebhookClient.Response) -> String {
        let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch response.status {
        case 400: return "the server rejected our request for an unknown reason"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "the server could not find the requested resource"
        case 405: return "the server does not allow this method on the requested resource"
        case 409: return "the server reported a conflict"
        case 429: return "the server has received too many requests and has asked us to try again later"
        case 500...:
            let body = response.contentType.hasPrefix("text/") && !text.isEmpty ? text : "unknown"
            return "an error on the server (\(WebhookClient.quoted(body))) has prevented the request from succeeding"
        default: return "the server responded with the status code \(response.status) but did not return more information"
        }
    }
}
