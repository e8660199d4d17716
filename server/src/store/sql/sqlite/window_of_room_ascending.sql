-- The messages of room $1 with $2 < id < $3, oldest first, $4 of them: a range of
-- messages_by_room. Read where window_page.sql uses it (a co-routine of the index range
-- each time), not copied into a temporary table first.
WITH page AS NOT MATERIALIZED (
  SELECT * FROM messages WHERE room_id = $1 AND id > $2 AND id < $3
  ORDER BY id ASC LIMIT $4)
