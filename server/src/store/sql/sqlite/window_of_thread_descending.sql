-- The replies to message $6 with $2 < id < $3, newest first, $4 of them: a range of
-- messages_replies (replies share their parent's room, $1). Read where window_page.sql uses
-- it, not copied into a temporary table first.
WITH page AS NOT MATERIALIZED (
  SELECT * FROM messages WHERE reply_to = $6 AND id > $2 AND id < $3
  ORDER BY id DESC LIMIT $4)
