/// The database schema as an ordered list of migrations; `PRAGMA user_version` counts those applied.
///
/// Rules for adding one: append (never edit a shipped script); keep every table `STRICT`; times are
/// `INTEGER` Unix nanoseconds (UTC, sortable, exact); closed vocabularies get a `CHECK`. A migration
/// that rebuilds a table must handle foreign keys itself: `PRAGMA foreign_keys` cannot change inside
/// the migration's transaction (use `PRAGMA defer_foreign_keys = ON` and `PRAGMA foreign_key_check`).
enum Schema {
    static let migrations: [String] = [version1]

    /// The `user_version` of a fully migrated database.
    static var currentVersion: Int { migrations.count }

    /// Applies every missing migration, each in its own `BEGIN IMMEDIATE` transaction.
    ///
    /// The version is read again under the write lock, so two processes opening a new file at the
    /// same moment apply each migration once. A database newer than this code is refused, not touched.
    static func migrate(_ connection: SQLiteConnection) throws {
        while true {
            let before = try userVersion(connection)
            guard before < currentVersion else {
                if before > currentVersion { throw StoreError.schemaTooNew(found: before, supported: currentVersion) }
                return
            }
            try connection.inTransaction {
                let version = try userVersion(connection)
                guard version < currentVersion else { return }
                try connection.execute(migrations[version])
                try connection.execute("PRAGMA user_version = \(version + 1)")
            }
        }
    }

    static func userVersion(_ connection: SQLiteConnection) throws -> Int {
        Int(try connection.query("PRAGMA user_version").first?.first?.integer ?? 0)
    }

    /// Version 1: the whole schema.
    static let version1 = """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE rounds (
            id TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
            closed_at INTEGER,
            closed_by TEXT CHECK (closed_by = 'deadline' OR closed_by GLOB 'operator:?*'),
            rules_hash TEXT,
            CHECK ((state = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL AND rules_hash IS NOT NULL))
        ) STRICT;

        CREATE TABLE dossier_revisions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            dossier_id TEXT NOT NULL CHECK (dossier_id <> ''),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            round_id TEXT REFERENCES rounds (id),
            received_at INTEGER NOT NULL,
            submitted_at INTEGER,
            late INTEGER NOT NULL CHECK (late IN (0, 1)),
            content_hash TEXT NOT NULL CHECK (content_hash <> '' AND content_hash NOT GLOB '*[^0-9a-f]*'),
            source_name TEXT NOT NULL,
            original BLOB NOT NULL,
            normalized TEXT NOT NULL CHECK (json_valid(normalized)),
            contact_email TEXT,
            UNIQUE (dossier_id, revision)
        ) STRICT;
        CREATE INDEX dossier_revisions_by_round ON dossier_revisions (round_id, dossier_id, revision, received_at);

        CREATE TABLE results (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dossier_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            program TEXT NOT NULL CHECK (program <> ''),
            round_id TEXT REFERENCES rounds (id),
            rules_hash TEXT NOT NULL,
            outcome TEXT NOT NULL,
            result_json TEXT NOT NULL CHECK (json_valid(result_json)),
            evaluated_at INTEGER NOT NULL,
            trigger TEXT NOT NULL CHECK (trigger IN ('round_close', 'arrival', 'certification_changed', 'operator')),
            FOREIGN KEY (dossier_id, revision) REFERENCES dossier_revisions (dossier_id, revision)
        ) STRICT;
        CREATE INDEX results_by_dossier_program ON results (dossier_id, program, id);
        CREATE INDEX results_by_round ON results (round_id);

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
            message_id TEXT NOT NULL UNIQUE CHECK (message_id <> ''),
            destination TEXT NOT NULL CHECK (destination <> ''),
            event TEXT NOT NULL CHECK (event <> ''),
            dossier_id TEXT,
            revision INTEGER,
            payload BLOB NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at INTEGER NOT NULL,
            lease_owner TEXT,
            lease_until INTEGER,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            sent_at INTEGER,
            CHECK ((state = 'sending') = (lease_owner IS NOT NULL AND lease_until IS NOT NULL)),
            CHECK (state = 'sending' OR (lease_owner IS NULL AND lease_until IS NULL)),
            CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
            FOREIGN KEY (dossier_id, revision) REFERENCES dossier_revisions (dossier_id, revision)
        ) STRICT;
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_leases ON outbox (lease_until) WHERE state = 'sending';

        CREATE TABLE endpoints (
            url TEXT PRIMARY KEY NOT NULL,
            disabled_at INTEGER,
            reason TEXT,
            CHECK ((disabled_at IS NULL) = (reason IS NULL))
        ) STRICT;

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL CHECK (actor = 'daemon' OR actor GLOB 'operator:?*'),
            action TEXT NOT NULL CHECK (action <> ''),
            detail TEXT NOT NULL CHECK (json_valid(detail))
        ) STRICT;
        """
}
