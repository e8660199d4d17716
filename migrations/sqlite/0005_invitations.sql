-- Invitations to GROUP/COURSE rooms: a participant invites a user, who accepts (and joins)
-- or declines. Answered invitations stay, as a record; revoked ones are deleted.
CREATE TABLE room_invitations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id      INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    invitee_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    inviter_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at   INTEGER NOT NULL,
    responded_at INTEGER
);

-- One pending invitation per user per room, as a database invariant: two identical
-- invitations racing each other cannot both be stored.
CREATE UNIQUE INDEX room_invitations_one_pending
    ON room_invitations (room_id, invitee_id) WHERE status = 'pending';

-- A user's pending invitations, newest first; also the users cascade.
CREATE INDEX room_invitations_by_invitee ON room_invitations (invitee_id, status, id);

-- A room's pending invitations, oldest first; also the rooms cascade.
CREATE INDEX room_invitations_by_room ON room_invitations (room_id, status, id);

-- The users cascade from the inviter's side.
CREATE INDEX room_invitations_by_inviter ON room_invitations (inviter_id);
