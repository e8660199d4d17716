-- Read state. Each participant's marker is the newest message they have read, and
-- read_count is how many of the room's messages were at or below it when it was set (kept
-- in step when one is deleted). With the room's message_count, a caller's unread count is
-- two columns, whatever the size of the history.
ALTER TABLE chat_rooms ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
UPDATE chat_rooms SET message_count = (SELECT COUNT(*) FROM messages WHERE room_id = chat_rooms.id);
ALTER TABLE room_participants ADD COLUMN last_read_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_participants ADD COLUMN read_count INTEGER NOT NULL DEFAULT 0;

-- Replies: the parent, in the same room. A deleted parent leaves replies standing, unlinked.
ALTER TABLE messages ADD COLUMN reply_to INTEGER REFERENCES messages (id) ON DELETE SET NULL;
CREATE INDEX messages_replies ON messages (reply_to, id) WHERE reply_to IS NOT NULL;

-- One reaction per user per emoji on a message.
CREATE TABLE message_reactions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;

-- Participants named with @username in a message. room_id is the message's, so a user's
-- unread mentions in a room are a range of the index after their read marker.
CREATE TABLE message_mentions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id    INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, user_id)
) WITHOUT ROWID;
CREATE INDEX message_mentions_by_user ON message_mentions (user_id, room_id, message_id);
