import Foundation
import PlumbCore

/// The name rule of each kind, as its validation in kube-apiserver (pkg/apis/*/validation)
/// passes a name function to ValidateObjectMeta.
extension Validation {
    enum NameRule {
        /// apimachineryvalidation.NameIsDNSSubdomain: most kinds.
        case subdomain
        /// NameIsDNSLabel: Namespaces, StatefulSets (their pods are named after them).
        case label
        /// NameIsDNS1035Label: Services.
        case dns1035
        /// path.ValidatePathSegmentName: RBAC roles and bindings (`system:aggregated-metrics-reader`).
        case pathSegment
        /// `spec.version + "." + spec.group`, a path segment: APIServices.
        case apiService
        /// `spec.names.plural + "." + spec.group`, a subdomain: CustomResourceDefinitions.
        case customResourceDefinition
        /// A canonical IP address: IPAddresses.
        case ipAddress
        /// No rule: CertificateSigningRequests ("We don't care what you call your certificate requests").
        case any
    }

    static func nameRule(_ type: ResourceType) -> NameRule {
        if type.definedBy != nil { return .subdomain }
        switch (type.group, type.resource) {
        case ("", "namespaces"): return .label
        case ("", "services"): return .dns1035
        case ("apps", "statefulsets"): return .label
        case ("rbac.authorization.k8s.io", _): return .pathSegment
        case ("apiregistration.k8s.io", "apiservices"): return .apiService
        case ("apiextensions.k8s.io", "customresourcedefinitions"): return .customResourceDefinition
        case ("networking.k8s.io", "ipaddresses"): return .ipAddress
        case ("certificates.k8s.io", "certificatesigningrequests"): return .any
        default: return .subdomain
        }
    }

    /// path.IsValidPathSegmentName.
    static func pathSegmentErrors(_ name: String) -> [String] {
        for illegal in [".", ".."] where name == illegal { return ["may not be '\(illegal)'"] }
        return ["/", "%"].filter { name.contains($0) }.map { "may not contain '\($0)'" }
    }

    static func subdomainErrors(_ name: String) -> [String] {
        var errors: [String] = []
        if name.utf8.count > 253 { errors.append("must be no more than 253 characters") }
        if !isDNS1123Subdomain(name) { errors.append(subdomainMessage) }
        return errors
    }

    /// Causes for `metadata.name` of an object of a type, on create and update.
    static func nameCauses(_ name: String, type: ResourceType, object: Value?) -> [APIError.Cause] {
        var errors: [String] = []
        switch nameRule(type) {
        case .subdomain:
            errors = subdomainErrors(name)
        case .label:
            if name.utf8.count > 63 { errors.append("must be no more than 63 characters") }
            if !isDNS1123Label(name) { errors.append(labelMessage) }
        case .dns1035:
            if name.utf8.count > 63 { errors.append("must be no more than 63 characters") }
            if !isDNS1035Label(name) { errors.append(dns1035Message) }
        case .pathSegment:
            errors = pathSegmentErrors(name)
        case .apiService:
            errors = pathSegmentErrors(name)
            if errors.isEmpty {
                let required =
                    (object?[path: ["spec", "version"]]?.stringValue ?? "") + "."
                    + (object?[path: ["spec", "group"]]?.stringValue ?? "")
                if name != required { errors.append("must be `spec.version+\".\"+spec.group`: \(quoted(required))") }
            }
        case .customResourceDefinition:
            errors = subdomainErrors(name)
            let required =
                (object?[path: ["spec", "names", "plural"]]?.stringValue ?? "") + "."
                + (object?[path: ["spec", "group"]]?.stringValue ?? "")
            if name != required { errors.append("must be spec.names.plural+\".\"+spec.group") }
        case .ipAddress:
            errors = ipAddressErrors(name)
        case .any:
            break
        }
        var causes = errors.map {
            APIError.Cause(
                reason: "FieldValueInvalid", message: "Invalid value: \(quoted(name)): \($0)", field: "metadata.name")
        }
        causes += reservedNameCauses(name, type: type, object: object)
        return causes
    }

    /// netip.ParseAddr, and the canonical form IPAddress names must have.
    static func ipAddressErrors(_ name: String) -> [String] {
        var v4 = in_addr()
        var v6 = in6_addr()
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if !name.contains(":"), inet_pton(AF_INET, name, &v4) == 1 {
            inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count))
        } else if inet_pton(AF_INET6, name, &v6) == 1 {
            inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
        } else {
            return ["ParseAddr(\(quoted(name))): unable to parse IP"]
        }
        let canonical = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return canonical == name ? [] : ["must be a canonical format IP address"]
    }

    /// The system priority classes, with their values (pkg/apis/scheduling).
    static let systemPriorityClasses: [String: Int64] = [
        "system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000,
    ]

    /// Names a kind reserves: PriorityClasses named `system-...` must be one of the system ones
    /// (ValidatePriorityClass); CronJob names leave room for the Job suffix (ValidateCronJobCreate).
    static func reservedNameCauses(_ name: String, type: ResourceType, object: Value?) -> [APIError.Cause] {
        switch (type.group, type.resource) {
        case ("scheduling.k8s.io", "priorityclasses"):
            guard name.hasPrefix("system-") else { return [] }
            let reason: String
            if let value = systemPriorityClasses[name] {
                if object?["value"]?.intValue != value {
                    reason = "value of \(name) PriorityClass must be \(value)"
                } else if object?["globalDefault"]?.boolValue == true {
                    reason = "globalDefault of \(name) PriorityClass must be false"
                } else {
                    return []
                }
            } else {
                reason = "\(name) is not a known system priority class"
            }
            return [
                .init(
                    reason: "FieldValueForbidden",
                    message:
                        "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: \(reason)",
                    field: "metadata.name")
            ]
        case ("batch", "cronjobs") where name.utf8.count > 52:
            // The Jobs it makes are named <cronjob>-<11 characters> (ValidateCronJobCreate).
            return [
                .init(
                    reason: "FieldValueInvalid",
                    message: "Invalid value: \(quoted(name)): must be no more than 52 characters",
                    field: "metadata.name")
            ]
        default:
            return []
        }
    }
}
