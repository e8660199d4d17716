-- The replies to message $6 with $2 < id < $3, newest first, $4 of them: a range of
-- messages_replies (replies share their parent's room, $1), read once into the page, as in
-- window_of_room_ascending.sql. Compared as rows for the reason window_of_room_descending.sql gives.
WITH page AS MATERIALIZED (
  SELECT * FROM messages WHERE reply_to IS NOT NULL AND (reply_to, id) > ($6, $2)
  AND (reply_to, id) < ($6, $3) ORDER BY reply_to DESC, id DESC LIMIT $4)
