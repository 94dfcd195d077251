/// Checks a chain one record at a time, in id order, so that a long trail is verified without
/// holding it in memory. A record breaks the chain when its id does not follow the previous
/// one's, when its `prevHash` is not the previous record's `headerHash`, or when a hash does
/// not match its contents.
public struct AuditChainWalker: Sendable {
    private var previousID: Int64 = 0
    private var previousHeader = AuditChain.genesis
    private var head = AuditChain.genesis
    /// How many records passed so far.
    public private(set) var count = 0

    /// A walk from the genesis link.
    public init() {}

    /// Checks the next record; returns why the chain breaks there, or nil. `ownerOfHeader` finds
    /// the record whose `headerHash` is the given hash, to tell a reordering from a deletion.
    public mutating func check(_ r: AuditRecord, ownerOfHeader: (String) throws -> Int64?) rethrows
        -> AuditVerification?
    {
        let expectedID = previousID + 1
        if r.id != expectedID {
            return .broken(recordID: r.id, problem: .missing(from: expectedID, to: r.id - 1))
        }
        if r.prevHash != previousHeader {
            if let owner = try ownerOfHeader(r.prevHash), owner != previousID {
                return .broken(recordID: r.id, problem: .outOfOrder(linksTo: owner, expected: previousID))
            }
            return .broken(recordID: r.id, problem: .brokenLink(previous: previousID))
        }
        if AuditChain.sha256(r.headerValue) != r.headerHash || AuditChain.sha256(r.contentValue) != r.hash {
            return .broken(recordID: r.id, problem: .edited)
        }
        previousID = r.id
        previousHeader = r.headerHash
        head = r.hash
        count += 1
        return nil
    }

    /// The verdict once every record passed: `lastAssignedID`, the highest id ever given out,
    /// catches records deleted from the end (pass 0 where it is not known).
    public func finish(lastAssignedID: Int64) -> AuditVerification {
        if lastAssignedID > previousID {
            return .broken(recordID: previousID + 1, problem: .missing(from: previousID + 1, to: lastAssignedID))
        }
        return .intact(count: count, head: head)
    }
}

/// What `verify` found.
public enum AuditVerification: Sendable, Equatable {
    /// Every record links to the one before and matches its hashes.
    case intact(count: Int, head: String)
    /// The first record at which the chain does not hold, and why.
    case broken(recordID: Int64, problem: AuditChainProblem)
}

/// Why the chain breaks at a record.
public enum AuditChainProblem: Sendable, Equatable, CustomStringConvertible {
    /// A hash does not match the record's contents.
    case edited
    /// Records with these ids are gone.
    case missing(from: Int64, to: Int64)
    /// The record links to another record than the one before it.
    case outOfOrder(linksTo: Int64, expected: Int64)
    /// The record's `prevHash` matches no record (0 stands for the genesis link).
    case brokenLink(previous: Int64)
    /// A stored field cannot be read back as a record.
    case unreadable(String)

    public var description: String {
        switch self {
        case .edited:
            return "hash does not match its contents (edited?)"
        case .missing(let from, let to):
            return from == to ? "record \(from) is missing (deleted?)" : "records \(from)-\(to) are missing (deleted?)"
        case .outOfOrder(let owner, let expected):
            let want = expected == 0 ? "the genesis hash" : "record \(expected)"
            return "it links to record \(owner) instead of \(want) (reordered?)"
        case .brokenLink(let previous):
            if previous == 0 { return "it does not link to the genesis hash (earlier records deleted?)" }
            return "it does not link to record \(previous) (deleted or replaced?)"
        case .unreadable(let why):
            return "\(why) (edited?)"
        }
    }
}
