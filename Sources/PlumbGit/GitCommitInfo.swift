import CGit2
import Foundation

/// Who made a commit and when, with the UTC offset they recorded.
public struct GitSignature: Sendable, Hashable {
    public var name: String
    public var email: String
    /// The instant, independent of time zone.
    public var date: Date
    /// The author's UTC offset in minutes (e.g. 120 for +0200).
    public var utcOffsetMinutes: Int

    init(_ sig: UnsafePointer<git_signature>) {
        name = sig.pointee.name.map { String(cString: $0) } ?? ""
        email = sig.pointee.email.map { String(cString: $0) } ?? ""
        date = Date(timeIntervalSince1970: TimeInterval(sig.pointee.when.time))
        utcOffsetMinutes = Int(sig.pointee.when.offset)
    }
}

/// A commit's metadata: id, people, message and parents.
public struct GitCommitInfo: Sendable, Hashable {
    public var id: GitOID
    /// The commit's tree.
    public var tree: GitOID
    public var author: GitSignature
    public var committer: GitSignature
    /// The full message as recorded.
    public var message: String
    /// The first paragraph of the message, on one line.
    public var summary: String
    public var parents: [GitOID]
}

/// A commit's raw signature (e.g. an ASCII-armoured PGP or SSH signature) and the exact
/// bytes it signs (the commit object without its `gpgsig` header).
public struct GitCommitSignature: Sendable, Hashable {
    public var signature: [UInt8]
    public var signedData: [UInt8]
}

extension GitRepository {
    func lookupCommit(_ id: GitOID) throws -> GitHandle {
        var raw = id.raw
        return try GitHandle.make("git_commit_lookup", subject: displayName, free: git_commit_free) {
            git_commit_lookup($0, pointer, &raw)
        }
    }

    /// Reads the metadata of commit `id`.
    public func commit(_ id: GitOID) throws -> GitCommitInfo {
        let commit = try lookupCommit(id).pointer
        let parents = (0..<git_commit_parentcount(commit)).compactMap { i in
            git_commit_parent_id(commit, i).map(GitOID.init)
        }
        return GitCommitInfo(
            id: GitOID(git_commit_id(commit)),
            tree: GitOID(git_commit_tree_id(commit)),
            author: GitSignature(git_commit_author(commit)),
            committer: GitSignature(git_commit_committer(commit)),
            message: git_commit_message(commit).map { String(cString: $0) } ?? "",
            summary: git_commit_summary(commit).map { String(cString: $0) } ?? "",
            parents: parents)
    }

    /// The signature of commit `id` and the data it signs; nil when the commit is unsigned.
    /// Plumb only extracts it: verifying it against trusted keys is the caller's job.
    public func signature(of id: GitOID) throws -> GitCommitSignature? {
        var raw = id.raw
        var sig = git_buf()
        var data = git_buf()
        let code = git_commit_extract_signature(&sig, &data, pointer, &raw, nil)
        if code == GIT_ENOTFOUND.rawValue {
            git_buf_dispose(&sig)
            git_buf_dispose(&data)
            // ENOTFOUND is also returned for a missing commit: tell the two apart.
            _ = try lookupCommit(id)
            return nil
        }
        try check(code, "git_commit_extract_signature")
        return GitCommitSignature(signature: takeBuffer(&sig), signedData: takeBuffer(&data))
    }
}
