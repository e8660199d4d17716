-- migrations/sqlite/0003 in PostgreSQL's types: read markers and counters, replies,
-- reactions and mentions.
ALTER TABLE chat_rooms ADD COLUMN message_count BIGINT NOT NULL DEFAULT 0;
UPDATE chat_rooms SET message_count = (SELECT COUNT(*) FROM messages WHERE room_id = chat_rooms.id);
ALTER TABLE room_participants ADD COLUMN last_read_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE room_participants ADD COLUMN read_count BIGINT NOT NULL DEFAULT 0;

ALTER TABLE messages ADD COLUMN reply_to BIGINT REFERENCES messages (id) ON DELETE SET NULL;
CREATE INDEX messages_replies ON messages (reply_to, id) WHERE reply_to IS NOT NULL;

CREATE TABLE message_reactions (
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      TEXT   NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);
CREATE INDEX message_reactions_by_user ON message_reactions (user_id);

CREATE TABLE message_mentions (
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id    BIGINT NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX message_mentions_by_user ON message_mentions (user_id, room_id, message_id);
