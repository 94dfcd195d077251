import PlumbCore

/// A YAML input error at a known place; prints as `file:line:column: message`.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The place and the reason, as every input error in Plumb carries them.
    public var located: LocatedError

    /// Creates an error at `location`.
    public init(_ location: SourceLocation, _ message: String) {
        located = LocatedError(location, message)
    }

    /// Where in the input the problem is (1-based line and column).
    public var location: SourceLocation { located.location }
    /// The reason, without the place.
    public var message: String { located.message }
    public var description: String { located.description }
}

/// Options that bound what a YAML stream may cost to read.
public struct YAMLOptions: Sendable {
    /// The most values one document may expand to, counting each alias as a copy of its anchor.
    public var maxValues: Int
    /// The deepest nesting of maps and lists accepted.
    public var maxDepth: Int

    /// Creates options; the defaults suit any real Kubernetes manifest.
    public init(maxValues: Int = 10_000_000, maxDepth: Int = 1_000) {
        self.maxValues = maxValues
        self.maxDepth = maxDepth
    }
}
