-- Edit history and full-text search of messages, both kept in step by triggers, so every
-- path that writes messages (REST, sockets, the seed routes, an operator's SQL) keeps them
-- right without remembering to.

-- Every earlier content of a message: one row per edit that changed it. The current content
-- stays in `messages`; the history is these rows, oldest first, then that.
CREATE TABLE message_versions (
    id          INTEGER PRIMARY KEY,
    -- Deleting a message deletes its history: deleted text leaves nothing behind.
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    content     TEXT    NOT NULL,
    -- When this content was written: the message's creation, or the edit before.
    created_at  INTEGER NOT NULL,
    -- When the edit that replaced it was made: the `created_at` of the next version. Kept
    -- because `messages.updated_at` also moves when only `is_read` changes.
    replaced_at INTEGER NOT NULL
);

CREATE INDEX message_versions_by_message ON message_versions (message_id, id);

CREATE TRIGGER message_versions_keep AFTER UPDATE OF content ON messages
WHEN old.content IS NOT new.content
BEGIN
    INSERT INTO message_versions (message_id, content, created_at, replaced_at)
    VALUES (
        old.id,
        old.content,
        COALESCE(
            (SELECT replaced_at FROM message_versions WHERE message_id = old.id
             ORDER BY id DESC LIMIT 1),
            old.created_at
        ),
        COALESCE(new.updated_at, old.updated_at, old.created_at)
    );
END;

-- Full-text index of the current content (FTS5, external content: the text itself stays in
-- `messages` only). unicode61 without diacritic folding, as PostgreSQL's 'simple'
-- configuration: the same words match on both databases.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);

-- A deleted or edited message's words are removed from the index itself, not just masked by
-- a tombstone until the next merge (SQLite 3.42+).
INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);

-- Messages stored before this migration.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;

-- Also fires for messages deleted by cascade (a room or a user deleted).
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
WHEN old.content IS NOT new.content
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
