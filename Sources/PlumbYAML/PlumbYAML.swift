import CYAML
import PlumbCore

/// The version of libyaml Plumb reads YAML with.
public var libyamlVersion: String { String(cString: yaml_get_version_string()) }
