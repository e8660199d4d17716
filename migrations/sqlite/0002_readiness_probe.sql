-- One row that `GET /readyz` rewrites to prove the database still takes durable writes
-- (disk space, a read-only mount).
CREATE TABLE readiness_probe (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
);
