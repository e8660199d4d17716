-- The replies to message $6 with $2 < id < $3, newest first, $4 of them: a range of
-- messages_replies (replies share their parent's room, $1), read once into the page, as in
-- window_of_room_ascending.sql. Compared as rows for the reason window_of_room_descending.sql gives.
WITH params AS MATERIALIZED (
  SELECT $1::bigint AS room, $2::bigint AS above, $3::bigint AS below, $4::bigint AS size,
  $5::bigint AS viewer, $6::bigint AS parent),
page AS MATERIALIZED (
  SELECT m.* FROM params CROSS JOIN LATERAL (
    SELECT * FROM messages
    WHERE reply_to IS NOT NULL AND (reply_to, id) > (params.parent, params.above)
    AND (reply_to, id) < (params.parent, params.below)
    ORDER BY reply_to DESC, id DESC LIMIT params.size) m)
