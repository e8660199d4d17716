-- $3 messages from offset $4, oldest first, of room $2 or (null) of every room user $1 is
-- in, as one JSON array of messages, each an array of: id, room_id, sender_id, sender
-- (username), content, is_read, client_id, created_at, updated_at, reply_to.
SELECT
  (SELECT json_group_array(json_array(
     m.id, m.room_id, m.sender_id, u.username, m.content, m.is_read, m.client_id,
     m.created_at, m.updated_at, m.reply_to))
   FROM (SELECT m.* FROM messages m
         JOIN room_participants p ON p.room_id = m.room_id AND p.user_id = $1
         WHERE ($2 IS NULL OR m.room_id = $2) ORDER BY m.id LIMIT $3 OFFSET $4) m
   JOIN users u ON u.id = m.sender_id)
