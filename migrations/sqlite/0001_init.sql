-- Timestamps are microseconds since the Unix epoch (UTC): exact, sortable, and rendered
-- as RFC 3339 with microseconds at the API edge.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    -- Lowercased with Unicode rules (SQLite's lower() folds ASCII only), for search.
    username_folded TEXT  NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE chat_rooms (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL,
    room_type        TEXT    NOT NULL CHECK (room_type IN ('ONE_TO_ONE', 'GROUP', 'COURSE')),
    created_by       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- "<low user id>:<high user id>" for ONE_TO_ONE rooms, NULL otherwise: the unique index
    -- makes "one room per pair" a database invariant instead of a check-then-insert race.
    direct_key       TEXT    UNIQUE,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    -- Creation or newest message; the room list is ordered by it.
    last_activity_at INTEGER NOT NULL
);

CREATE TABLE room_participants (
    room_id INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

-- "Which rooms is this user in" (room list, membership checks from the user side).
CREATE INDEX room_participants_by_user ON room_participants (user_id, room_id);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content    TEXT    NOT NULL,
    is_read    INTEGER NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
    client_id  TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER
);

-- Keyset pagination: every page is a range scan on (room_id, id), whatever its depth.
CREATE INDEX messages_by_room ON messages (room_id, id);

-- Idempotent send: one message per (sender, client_id).
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;

-- Refresh tokens already exchanged (rotation): a second use is refused.
CREATE TABLE used_refresh_tokens (
    jti        TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
