/**
 * Versioned schema migrations for the SQLite store. Each runs once, in order, inside a transaction, and is
 * recorded in schema_migrations. Published migrations are never edited: a change is a new migration.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      CREATE TABLE publishers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        key_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        root TEXT NOT NULL,
        first_seq INTEGER NOT NULL UNIQUE,
        leaf_count INTEGER NOT NULL CHECK (leaf_count > 0),
        status TEXT NOT NULL CHECK (status IN ('sealed', 'submitted', 'anchored')),
        sealed_at INTEGER NOT NULL,
        tx_hash TEXT,
        tx_nonce INTEGER,
        raw_tx TEXT,
        block_number INTEGER,
        head TEXT,
        anchored_at INTEGER
      );
      CREATE TABLE records (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        occurred_at INTEGER NOT NULL,
        published_at INTEGER NOT NULL,
        publisher TEXT NOT NULL,
        asset TEXT NOT NULL,
        amount TEXT NOT NULL,
        value_usd TEXT NOT NULL,
        counterparty TEXT NOT NULL,
        reference TEXT NOT NULL,
        document_hash TEXT NOT NULL,
        memo TEXT NOT NULL,
        corrects INTEGER NOT NULL,
        leaf TEXT NOT NULL,
        signature TEXT NOT NULL,
        signer TEXT NOT NULL,
        batch_id INTEGER REFERENCES batches (id),
        proof BLOB
      );
      CREATE INDEX records_unsealed ON records (seq) WHERE batch_id IS NULL;
      CREATE INDEX records_batch ON records (batch_id, seq);
      CREATE INDEX records_kind ON records (kind, seq);
      CREATE INDEX records_asset ON records (asset, seq);
      CREATE INDEX records_corrects ON records (corrects) WHERE corrects <> 0;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    name: "publisher rights, occurred_at index",
    sql: `
      ALTER TABLE publishers ADD COLUMN may_correct_others INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX records_occurred ON records (occurred_at, seq);
    `,
  },
  {
    version: 3,
    name: "standing and statistics kept at write time",
    // Existing records get their standings and aggregates from the store's one-time rebuild (meta "aggregates").
    sql: `
      ALTER TABLE records ADD COLUMN standing TEXT NOT NULL DEFAULT 'current'
        CHECK (standing IN ('current', 'superseded', 'retracted'));
      CREATE TABLE aggregates (
        dim TEXT NOT NULL,
        key TEXT NOT NULL,
        count INTEGER NOT NULL,
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        PRIMARY KEY (dim, key)
      );
      CREATE TABLE holdings (asset TEXT PRIMARY KEY, seq INTEGER NOT NULL REFERENCES records (seq));
      CREATE INDEX records_kind_asset ON records (kind, asset, seq);
      -- Batch totals by status, kept by the database itself as batches are sealed and anchored: counts() and
      -- /stats read three rows, never the whole batches table.
      CREATE TABLE batch_totals (status TEXT PRIMARY KEY, batches INTEGER NOT NULL, leaves INTEGER NOT NULL);
      INSERT INTO batch_totals (status, batches, leaves)
        SELECT s.status, COUNT(b.id), COALESCE(SUM(b.leaf_count), 0)
        FROM (SELECT 'sealed' AS status UNION ALL SELECT 'submitted' UNION ALL SELECT 'anchored') s
        LEFT JOIN batches b ON b.status = s.status GROUP BY s.status;
      CREATE TRIGGER batches_totals_insert AFTER INSERT ON batches BEGIN
        UPDATE batch_totals SET batches = batches + 1, leaves = leaves + NEW.leaf_count WHERE status = NEW.status;
      END;
      CREATE TRIGGER batches_totals_update AFTER UPDATE OF status ON batches WHEN NEW.status <> OLD.status BEGIN
        UPDATE batch_totals SET batches = batches - 1, leaves = leaves - OLD.leaf_count WHERE status = OLD.status;
        UPDATE batch_totals SET batches = batches + 1, leaves = leaves + NEW.leaf_count WHERE status = NEW.status;
      END;
      CREATE INDEX batches_unanchored ON batches (id) WHERE status <> 'anchored';
      CREATE TRIGGER batches_root_immutable BEFORE UPDATE OF root, first_seq, leaf_count ON batches
        WHEN NEW.root <> OLD.root OR NEW.first_seq <> OLD.first_seq OR NEW.leaf_count <> OLD.leaf_count
        BEGIN SELECT RAISE(ABORT, 'a batch keeps its root forever'); END;
      CREATE INDEX records_valuation ON records (asset, occurred_at, seq) WHERE kind = 'VALUATION' AND standing = 'current';
    `,
  },
  {
    version: 4,
    name: "idempotency keys and documents",
    sql: `
      -- The first answer under a publisher's Idempotency-Key, written in the transaction of its records.
      CREATE TABLE idempotency_keys (
        publisher TEXT NOT NULL,
        key TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        answer TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (publisher, key)
      );
      CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
      -- Supporting documents by the keccak-256 of their bytes (records name them in documentHash).
      CREATE TABLE documents (
        hash TEXT PRIMARY KEY,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        publisher TEXT NOT NULL,
        stored_at INTEGER NOT NULL,
        body BLOB NOT NULL
      );
    `,
  },
];
