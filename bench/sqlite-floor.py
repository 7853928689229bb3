#!/usr/bin/env python3
"""What SQLite alone does with the ledger's schema on this machine: no host, no .NET, one thread.

Creates the SQLite store's tables, indexes and change-log triggers (schema 4, src/Ledger.Store.Sqlite/
SqliteDatabase.cs) in a temporary file, opens 10,000 accounts, then writes what a keyed posting writes
(an idempotency claim in its own partition, the account's new body, a new entry with its sort key),
GROUP postings per transaction, and prints postings per second.

    bench/sqlite-floor.py [parts] [group]     e.g. bench/sqlite-floor.py all 50
    SYNC=OFF bench/sqlite-floor.py nochanges,nosortkey 50

parts: 'all', or a comma-separated list of what to leave out: noclaim, noaccount, noentry, nochanges
(the change log and its triggers), nosortkey (the sort-key index), noindexkey (the index-key index).
SYNC: FULL (the store's setting, the default) or NORMAL or OFF (not durable: diagnostics only).
The store's document keys are seeded XxHash3; Python's standard library has none, so keyed BLAKE2b stands
in for it: the same key layout (partition hash high, id hash low), at a somewhat higher cost per key.
"""
import hashlib, os, sqlite3, sys, tempfile, time

POSTINGS, ACCOUNTS = 40_000, 10_000
CLAIM, ACCOUNT, ENTRY = b"z" * 180, b"x" * 260, b"y" * 420
SEED = os.urandom(16)


def hash32(text):
    return int.from_bytes(hashlib.blake2b(text.encode("utf-16-le"), digest_size=4, key=SEED).digest(), "little")


def document_key(partition, id):
    """DocumentKeys.Of: the partition's hash in the high 32 bits, the id's in the low 32, as a signed 64-bit integer."""
    key = (hash32(partition) << 32) | hash32(id)
    return key - (1 << 64) if key >= 1 << 63 else key


def open_database(path, left_out, sync):
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", f"synchronous = {sync}", "cache_size = -32768", "temp_store = MEMORY"):
        db.execute("PRAGMA " + pragma)
    db.execute("""CREATE TABLE documents (key INTEGER NOT NULL, part INTEGER NOT NULL, partition TEXT NOT NULL,
        id TEXT NOT NULL, type TEXT NOT NULL, sort_key INTEGER, index_key TEXT, lsn INTEGER NOT NULL,
        committed_at INTEGER NOT NULL, body BLOB NOT NULL)""")
    db.execute("CREATE INDEX documents_by_key ON documents (key)")
    if "nosortkey" not in left_out:
        db.execute("CREATE INDEX documents_by_sort_key ON documents (part, type, sort_key, id) WHERE sort_key IS NOT NULL")
    if "noindexkey" not in left_out:
        db.execute("CREATE INDEX documents_by_index_key ON documents (type, index_key, partition, id) WHERE index_key IS NOT NULL")
    if "nochanges" not in left_out:
        db.executescript("""
            CREATE TABLE changes (lsn INTEGER PRIMARY KEY, document INTEGER NOT NULL);
            CREATE TRIGGER documents_log_insert AFTER INSERT ON documents
            BEGIN INSERT INTO changes (lsn, document) VALUES (NEW.lsn, NEW.rowid); END;
            CREATE TRIGGER documents_log_update AFTER UPDATE OF lsn ON documents
            BEGIN INSERT INTO changes (lsn, document) VALUES (NEW.lsn, NEW.rowid); END;""")
    return db


def main():
    left_out = set() if len(sys.argv) < 2 or sys.argv[1] == "all" else set(sys.argv[1].split(","))
    group = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    sync = os.environ.get("SYNC", "FULL")
    with tempfile.TemporaryDirectory() as directory:
        db = open_database(os.path.join(directory, "ledger.db"), left_out, sync)
        insert = ("INSERT INTO documents (key, part, partition, id, type, sort_key, index_key, lsn, committed_at, body) "
                  "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 "
                  "WHERE NOT EXISTS (SELECT 1 FROM documents WHERE key = ?1 AND partition = ?3 AND id = ?4)")

        def write(partition, id, type, sort_key, index_key, lsn, body):
            db.execute(insert, (document_key(partition, id), hash32(partition), partition, id, type, sort_key, index_key, lsn, 0, body))

        lsn = 0
        db.execute("BEGIN")
        for account in range(ACCOUNTS):
            lsn += 1
            write(f"app-1/account-{account:06}", "account", "account", None, f"app-1|owner-{account % 97}", lsn, ACCOUNT)
        db.execute("COMMIT")
        keys = [hashlib.sha256(number.to_bytes(8, "little")).hexdigest() for number in range(POSTINGS)]
        started, number = time.time(), 0
        while number < POSTINGS:
            db.execute("BEGIN IMMEDIATE")
            for _ in range(min(group, POSTINGS - number)):
                key, partition = keys[number], f"app-1/account-{(number * 7919) % ACCOUNTS:06}"
                if "noclaim" not in left_out:
                    lsn += 1
                    write(f"idem/app-1/{key}", "claim", "idempotency_claim", None, None, lsn, CLAIM)
                if "noaccount" not in left_out:
                    lsn += 1
                    rowid = db.execute("SELECT rowid FROM documents WHERE key = ? AND partition = ? AND id = ?",
                                       (document_key(partition, "account"), partition, "account")).fetchone()[0]
                    db.execute("UPDATE documents SET lsn = ?, committed_at = ?, body = ? WHERE rowid = ?", (lsn, 0, ACCOUNT, rowid))
                if "noentry" not in left_out:
                    lsn += 1
                    write(partition, "tx:" + key[:32], "entry", number, None, lsn, ENTRY)
                number += 1
            db.execute("COMMIT")
        elapsed = time.time() - started
        db.close()
    left = ",".join(sorted(left_out)) or "all"
    print(f"parts={left} group={group} synchronous={sync} postings/s={POSTINGS / elapsed:,.0f}")


if __name__ == "__main__":
    main()
