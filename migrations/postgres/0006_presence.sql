-- Presence: when a user's last WebSocket (on any instance) closed, in microseconds since the
-- epoch (UTC); NULL if never recorded.
ALTER TABLE users ADD COLUMN last_seen_at BIGINT;

-- Every running instance, with its heartbeat in microseconds of the DATABASE's clock (so
-- instances with skewed clocks still agree on staleness). An instance whose heartbeat is too
-- old crashed: its rows are deleted by whichever instance notices.
CREATE TABLE presence_instances (
    instance_id  TEXT   PRIMARY KEY,
    heartbeat_at BIGINT NOT NULL
);

-- The users holding at least one WebSocket on an instance: a user is online while a row of
-- theirs belongs to a live instance.
CREATE TABLE presence_sessions (
    instance_id TEXT   NOT NULL REFERENCES presence_instances (instance_id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, instance_id)
);

CREATE INDEX presence_sessions_by_instance ON presence_sessions (instance_id);
