-- Presence: when a user's last WebSocket closed (microseconds since the epoch, UTC); NULL if
-- never recorded. Whether they are online now lives in the server's memory (one process).
ALTER TABLE users ADD COLUMN last_seen_at INTEGER;
