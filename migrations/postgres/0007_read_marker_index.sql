-- The two furthest read markers of a room (is_read of its messages) come off this index,
-- with no sort.
CREATE INDEX room_participants_by_marker ON room_participants (room_id, last_read_id);
