import PlumbCore

/// What one check found on one object, before modes and exceptions.
public struct PolicyFinding: Sendable, Hashable {
    public var ref: ObjectRef
    /// The check's ID (`PLB-IMG-002`), or the name of the cluster policy that denied the object.
    public var check: String
    public var message: String

    public init(ref: ObjectRef, check: String, message: String) {
        self.ref = ref
        self.check = check
        self.message = message
    }

    /// `apps/v1 Deployment prod/web: PLB-IMG-002: container web: image nginx has no tag`.
    public var line: String { "\(ref): \(check): \(message)" }
}

/// A finding with the mode its check has for the Application.
public struct PolicyViolation: Sendable, Hashable {
    public var finding: PolicyFinding
    /// `enforce` or `warn` (a check that is `off` does not run).
    public var mode: PolicyMode

    public var ref: ObjectRef { finding.ref }
    public var line: String { finding.line }
}

/// A finding a named exception waived.
public struct PolicyExemption: Sendable, Hashable {
    public var finding: PolicyFinding
    /// The exception's name.
    public var exception: String
    public var reason: String
}

/// The checks' verdict on a desired set: the violations (each with its mode) and the
/// findings that exceptions waived. It blocks the sync when any violation is enforced.
public struct PolicyVerdict: Sendable, Hashable {
    public var violations: [PolicyViolation]
    public var exempted: [PolicyExemption]

    public init(violations: [PolicyViolation] = [], exempted: [PolicyExemption] = []) {
        self.violations = violations
        self.exempted = exempted
    }

    /// The enforced violations: any stops the sync before the first write.
    public var enforced: [PolicyViolation] { violations.filter { $0.mode == .enforce } }
    /// The violations only warned of.
    public var warned: [PolicyViolation] { violations.filter { $0.mode == .warn } }
    /// Whether the sync must not write anything.
    public var blocks: Bool { violations.contains { $0.mode == .enforce } }

    /// One line for an Application's condition, an error or an audit record:
    /// `2 policy violations (enforced), nothing was applied: <first>` style text is the caller's.
    public var summary: String {
        let n = enforced.count
        return "\(n) enforced policy violation\(n == 1 ? "" : "s")" + (enforced.first.map { ": \($0.line)" } ?? "")
            + (n > 1 ? " (and \(n - 1) more)" : "")
    }
}

/// The built-in checks with one Application's modes, parameters and exceptions.
public struct PolicyEngine: Sendable {
    /// The mode of each check by ID; a check not listed is off.
    public var modes: [String: PolicyMode]
    public var parameters: PolicyParameters
    public var exceptions: [PolicyConfig.Exception]

    public init(
        modes: [String: PolicyMode], parameters: PolicyParameters = PolicyParameters(),
        exceptions: [PolicyConfig.Exception] = []
    ) {
        self.modes = modes
        self.parameters = parameters
        self.exceptions = exceptions
    }

    /// Every check's findings on `resource`, whatever their modes.
    public func findings(_ resource: Resource) -> [PolicyFinding] {
        var out: [PolicyFinding] = []
        if let pod = PolicyPodSpec(resource) { out += podViolations(resource, pod) }
        out += objectViolations(resource)
        return out
    }

    /// The verdict on `desired` (rendered, namespaces resolved): findings of checks that are
    /// not off, less those an exception covers, in object order.
    public func evaluate(_ desired: [Resource]) -> PolicyVerdict {
        var verdict = PolicyVerdict()
        for resource in desired.sorted(by: { $0.ref < $1.ref }) {
            for finding in findings(resource) {
                let mode = modes[finding.check] ?? .off
                guard mode != .off else { continue }
                if let exception = exceptions.first(where: { $0.covers(finding) }) {
                    verdict.exempted.append(
                        PolicyExemption(finding: finding, exception: exception.name, reason: exception.reason))
                } else {
                    verdict.violations.append(PolicyViolation(finding: finding, mode: mode))
                }
            }
        }
        return verdict
    }
}
