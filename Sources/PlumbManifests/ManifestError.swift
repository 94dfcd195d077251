import PlumbCore

/// One problem with the manifests, printed as one line that names the file (and line and
/// column where known).
public struct ManifestError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public init(_ located: LocatedError) {
        self.init(
            file: located.location.file, line: located.location.line, column: located.location.column,
            message: located.message)
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column, line != nil { place += ":\(column)" }
        return "\(place): \(message)"
    }
}

/// Every problem found while loading a desired set; nothing is loaded when there is one.
public struct ManifestErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ManifestError]

    public init(_ errors: [ManifestError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
