import CGit2
import PlumbCore

/// The version of libgit2 Plumb reads Git with.
public var libgit2Version: String {
    var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
    git_libgit2_version(&major, &minor, &rev)
    return "\(major).\(minor).\(rev)"
}
