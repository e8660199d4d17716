-- migrations/sqlite/0002 in PostgreSQL's types. PostgreSQL's 0001 already creates this table
-- (it was written after SQLite's 0002 and took it in), so here the step changes nothing: it
-- exists so that each version number is the same change on both databases. Databases created
-- before this file existed have their history renumbered at start-up (store/migrate.rs).
-- The notice "already exists, skipping" would be logged at every new database's creation.
SET LOCAL client_min_messages = warning;

CREATE TABLE IF NOT EXISTS readiness_probe (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at BIGINT  NOT NULL
);
