// The values the store takes and returns. Every time is an `Int64` count of nanoseconds since
// 1970-01-01T00:00:00Z (Unix time, UTC): exact, sortable, and independent of the expression
// language's `Timestamp`, which the caller converts from and to.

/// A failure of the store that is not an SQLite error (those are ``SQLiteError``).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store was closed with ``Store/close()``.
    case closed
    /// The file was migrated by a newer DiaCert; this one refuses to touch it.
    case schemaTooNew(found: Int, supported: Int)
    /// A stored value is outside its vocabulary (the database was edited by hand, or is corrupt).
    case invalidStoredValue(column: String, value: String)
    /// An argument the store cannot accept (the message names it).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .closed: "the store is closed"
        case .schemaTooNew(let found, let supported):
            "the database has schema version \(found); this program supports up to \(supported)"
        case .invalidStoredValue(let column, let value): "unexpected value '\(value)' in column \(column)"
        case .invalidArgument(let message): message
        }
    }
}

// MARK: - Dossier revisions

/// A dossier as received, to be stored as its next revision.
public struct NewRevision: Sendable, Hashable {
    public var dossierID: String
    /// The round it was submitted to; `nil` for rolling programs only.
    public var roundID: String?
    public var receivedAt: Int64
    /// The submission time the dossier states, if any.
    public var submittedAt: Int64?
    /// Submitted after its round's deadline (decided by the caller at intake).
    public var late: Bool
    /// Lower-case hex digest of the content; equal hashes mean the same dossier content.
    public var contentHash: String
    /// The file name it arrived under.
    public var sourceName: String
    /// The exact bytes received.
    public var original: [UInt8]
    /// The normalized dossier as JSON text.
    public var normalized: String
    public var contactEmail: String?

    public init(
        dossierID: String, roundID: String?, receivedAt: Int64, submittedAt: Int64?, late: Bool,
        contentHash: String, sourceName: String, original: [UInt8], normalized: String, contactEmail: String?
    ) {
        self.dossierID = dossierID
        self.roundID = roundID
        self.receivedAt = receivedAt
        self.submittedAt = submittedAt
        self.late = late
        self.contentHash = contentHash
        self.sourceName = sourceName
        self.original = original
        self.normalized = normalized
        self.contactEmail = contactEmail
    }
}

/// A stored revision of a dossier.
public struct StoredRevision: Sendable, Hashable {
    /// Arrival order over all dossiers (never reused).
    public var seq: Int64
    /// 1, 2, 3… per dossier id.
    public var revision: Int
    public var dossierID: String
    public var roundID: String?
    public var receivedAt: Int64
    public var submittedAt: Int64?
    public var late: Bool
    public var contentHash: String
    public var sourceName: String
    public var original: [UInt8]
    public var normalized: String
    public var contactEmail: String?
}

/// What ``StoreTransaction/insertRevision(_:)`` did.
public struct RevisionInsertion: Sendable, Hashable {
    public var seq: Int64
    public var revision: Int
    /// `false` when the content equalled the dossier's latest revision, which is returned instead.
    public var isNew: Bool
}

// MARK: - Rounds

public enum RoundState: String, Sendable, Hashable {
    case open, closed
}

/// Who closed a round: stored as `deadline` or `operator:<name>`.
public enum RoundCloser: Sendable, Hashable, CustomStringConvertible {
    case deadline
    case `operator`(String)

    public var description: String {
        switch self {
        case .deadline: "deadline"
        case .operator(let name): "operator:\(name)"
        }
    }

    init?(stored: String) {
        if stored == "deadline" {
            self = .deadline
        } else if stored.hasPrefix("operator:"), stored.count > "operator:".count {
            self = .operator(String(stored.dropFirst("operator:".count)))
        } else {
            return nil
        }
    }
}

public struct RoundRecord: Sendable, Hashable {
    public var id: String
    public var state: RoundState
    public var closedAt: Int64?
    public var closedBy: RoundCloser?
    /// The rules hash in force when the round closed.
    public var rulesHash: String?
}

// MARK: - Results

/// Why an evaluation ran.
public enum EvaluationTrigger: String, Sendable, Hashable, CaseIterable {
    case roundClose = "round_close"
    case arrival
    case certificationChanged = "certification_changed"
    case `operator`
}

/// An evaluation result to store.
public struct NewResult: Sendable, Hashable {
    public var dossierID: String
    public var revision: Int
    public var program: String
    /// `nil` for rolling programs.
    public var roundID: String?
    public var rulesHash: String
    public var outcome: String
    /// The full per-criterion explanation as JSON text.
    public var resultJSON: String
    public var evaluatedAt: Int64
    public var trigger: EvaluationTrigger

    public init(
        dossierID: String, revision: Int, program: String, roundID: String?, rulesHash: String, outcome: String,
        resultJSON: String, evaluatedAt: Int64, trigger: EvaluationTrigger
    ) {
        self.dossierID = dossierID
        self.revision = revision
        self.program = program
        self.roundID = roundID
        self.rulesHash = rulesHash
        self.outcome = outcome
        self.resultJSON = resultJSON
        self.evaluatedAt = evaluatedAt
        self.trigger = trigger
    }
}

public struct StoredResult: Sendable, Hashable {
    /// Insertion order: the highest id of a (dossier, program) is its latest result.
    public var id: Int64
    public var dossierID: String
    public var revision: Int
    public var program: String
    public var roundID: String?
    public var rulesHash: String
    public var outcome: String
    public var resultJSON: String
    public var evaluatedAt: Int64
    public var trigger: EvaluationTrigger
}

// MARK: - Outbox

public enum OutboxChannel: String, Sendable, Hashable, CaseIterable {
    case email, webhook
}

/// `pending` → (claim) `sending` → `sent`, or back to `pending` (retry, release, expired lease), or `dead`.
public enum OutboxState: String, Sendable, Hashable, CaseIterable {
    case pending, sending, sent, dead
}

/// A notice to send, written in the same transaction as the change it announces.
public struct OutboxEntry: Sendable, Hashable {
    public var channel: OutboxChannel
    /// The e-mail's Message-ID or the webhook-id: the notice's identity, fixed here and never changed.
    public var messageID: String
    /// The e-mail address or the endpoint URL.
    public var destination: String
    /// `round.closed`, `loan.evaluated`, `dossier.rejected`, …
    public var event: String
    public var dossierID: String?
    public var revision: Int?
    /// The exact bytes to send (a rendered RFC 5322 message or a JSON body).
    public var payload: [UInt8]
    public var createdAt: Int64
    /// When it is first due; usually `createdAt`.
    public var notBefore: Int64

    public init(
        channel: OutboxChannel, messageID: String, destination: String, event: String, dossierID: String?,
        revision: Int?, payload: [UInt8], createdAt: Int64, notBefore: Int64? = nil
    ) {
        self.channel = channel
        self.messageID = messageID
        self.destination = destination
        self.event = event
        self.dossierID = dossierID
        self.revision = revision
        self.payload = payload
        self.createdAt = createdAt
        self.notBefore = notBefore ?? createdAt
    }
}

/// What ``StoreTransaction/enqueue(_:)`` did.
public struct OutboxEnqueued: Sendable, Hashable {
    public var id: Int64
    /// `false` when a row with the same message id existed; that row is kept unchanged.
    public var isNew: Bool
}

/// A stored outbox row.
public struct OutboxRecord: Sendable, Hashable {
    public var id: Int64
    public var channel: OutboxChannel
    public var messageID: String
    public var destination: String
    public var event: String
    public var dossierID: String?
    public var revision: Int?
    public var payload: [UInt8]
    public var state: OutboxState
    /// Finished delivery attempts: failed ones, the successful one, and leases that expired in a worker's hands.
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var leaseOwner: String?
    public var leaseUntil: Int64?
    public var lastError: String?
    public var createdAt: Int64
    public var sentAt: Int64?
}

/// A webhook endpoint's delivery status (only endpoints that were ever disabled have a row).
public struct EndpointRecord: Sendable, Hashable {
    public var url: String
    public var disabledAt: Int64?
    public var reason: String?
}

// MARK: - Audit, status

/// Who did something: stored as `daemon` or `operator:<user>`.
public enum AuditActor: Sendable, Hashable, CustomStringConvertible {
    case daemon
    case `operator`(String)

    public var description: String {
        switch self {
        case .daemon: "daemon"
        case .operator(let user): "operator:\(user)"
        }
    }
}

public struct AuditRecord: Sendable, Hashable {
    public var id: Int64
    public var at: Int64
    /// `daemon` or `operator:<user>`.
    public var actor: String
    public var action: String
    /// JSON text.
    public var detail: String
}

/// Counts for `diacert status`, read in one snapshot.
public struct StoreStatus: Sendable, Hashable {
    public struct RoundCount: Sendable, Hashable {
        /// `nil` for dossiers of rolling programs.
        public var roundID: String?
        /// Distinct dossiers with at least one revision in that round.
        public var dossiers: Int
    }

    /// Distinct dossier ids.
    public var dossiers: Int
    public var revisions: Int
    public var rounds: [RoundCount]
    /// Rows per outbox state (every state present, zero if none).
    public var outbox: [OutboxState: Int]
}
