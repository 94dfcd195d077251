import PlumbCore

/// The labels and annotations Plumb writes and reads.
public enum SyncLabels {
    /// `app.kubernetes.io/managed-by`, set to `plumb` on every applied object.
    public static let managedBy = "app.kubernetes.io/managed-by"
    /// The value of `managedBy`.
    public static let manager = "plumb"
    /// `plumb.dev/app`: the app an object belongs to.
    public static let app = "plumb.dev/app"
    /// `plumb.dev/sync-wave`: an integer; lower waves are applied first (default 0).
    public static let syncWave = "plumb.dev/sync-wave"
    /// `plumb.dev/prune`: `disabled` keeps an object from being pruned.
    public static let prune = "plumb.dev/prune"

    /// The object with Plumb's ownership labels for `app`.
    public static func stamped(_ resource: Resource, app: String) -> Resource {
        var r = resource
        if r.labels[managedBy] != manager { r.setLabel(managedBy, manager) }
        if r.labels[Self.app] != app { r.setLabel(Self.app, app) }
        return r
    }

    /// The sync wave an object asks for; nil when the annotation is not an integer.
    public static func syncWave(of resource: Resource) -> Int? {
        guard let text = resource.annotations[syncWave] else { return 0 }
        return Int(text.trimmingWhitespace)
    }

    /// Whether pruning of the object is turned off.
    public static func pruneDisabled(_ resource: Resource) -> Bool {
        resource.annotations[prune]?.trimmingWhitespace.lowercased() == "disabled"
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
