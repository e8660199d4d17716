-- $3 messages from offset $4, oldest first, of room $2 or (null) of every room user $1 is
-- in: `messages`, one JSON array of message objects.
SELECT
  (SELECT json_group_array(json_object(
     'id', m.id, 'room_id', m.room_id, 'sender_id', m.sender_id, 'sender', u.username,
     'content', m.content, 'is_read', m.is_read, 'client_id', m.client_id,
     'created_at', m.created_at, 'updated_at', m.updated_at, 'reply_to', m.reply_to))
   FROM (SELECT m.* FROM messages m
         JOIN room_participants p ON p.room_id = m.room_id AND p.user_id = $1
         WHERE ($2 IS NULL OR m.room_id = $2) ORDER BY m.id LIMIT $3 OFFSET $4) m
   JOIN users u ON u.id = m.sender_id) AS messages
