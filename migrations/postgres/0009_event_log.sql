-- The durable event stream: every change other clients must learn about, appended in the
-- transaction of the change. Positions come from `event_log.last_position`, whose row the
-- appending transaction holds locked until it commits: appends are serialised, so positions
-- become visible in commit order on every instance (a sequence could hand a smaller value to
-- a transaction that commits later, and a reader would skip it).
CREATE TABLE events (
    position   BIGINT PRIMARY KEY,
    kind       TEXT   NOT NULL,
    -- The room whose participants (at the time of the event) see it; NULL: only `users` do.
    room_id    BIGINT,
    -- member.added / member.removed: the user added or removed.
    subject_id BIGINT,
    -- message.created / message.updated: the message, whose text these frames hold (they go
    -- with it when it is deleted).
    message_id BIGINT,
    -- JSON array of user ids: room.created's first participants, or the recipients of an
    -- event for users (invitations).
    users      TEXT,
    -- The frame's JSON, without its position (added when it is sent).
    frame      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX events_by_room ON events (room_id, position) WHERE room_id IS NOT NULL;
CREATE INDEX events_for_users ON events (position) WHERE room_id IS NULL;
CREATE INDEX events_by_message ON events (message_id) WHERE message_id IS NOT NULL;

-- Who was in which room between which positions: what a replay may show a user. `joined_at`
-- is the position of the event that added them (0: before the log began), `left_at` of the
-- one that removed them (they see that one too), NULL while they are in.
CREATE TABLE member_spans (
    room_id   BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    joined_at BIGINT NOT NULL,
    left_at   BIGINT,
    PRIMARY KEY (user_id, room_id, joined_at)
);

CREATE INDEX member_spans_open ON member_spans (room_id, user_id) WHERE left_at IS NULL;

INSERT INTO member_spans (room_id, user_id, joined_at)
SELECT room_id, user_id, 0 FROM room_participants;

-- The log's one row: the newest position handed out, and the newest pruned (a resume from
-- before it is expired).
CREATE TABLE event_log (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    last_position  BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL
);

INSERT INTO event_log (id, last_position, pruned_through) VALUES (1, 0, 0);

-- Every instance now reads new events from the log; NOTIFY only wakes them.
DROP TABLE realtime_spill;
