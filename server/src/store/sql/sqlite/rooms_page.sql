-- How many rooms user $1 is in (`total`), and $2 of them from offset $3, most recent
-- activity first, each with its newest $4 messages and $1's read state (`rooms`, one JSON
-- array of room objects as in room_details.sql).
SELECT
  (SELECT COUNT(*) FROM room_participants WHERE user_id = $1) AS total,
  (SELECT json_group_array(json_object(
     'id', r.id, 'name', r.name, 'room_type', r.room_type, 'created_by', r.created_by,
     'created_at', r.created_at, 'updated_at', r.updated_at,
     'last_activity_at', r.last_activity_at,
     'participants',
       (SELECT json_group_array(user_id) FROM room_participants WHERE room_id = r.id),
     -- The newest messages, objects as in messages_by_offset.sql: a range scan of the room's
     -- index each, never a window over its history; the correlated subquery runs as a
     -- co-routine, with no temporary table.
     'messages',
       (SELECT json_group_array(json_object(
          'id', m.id, 'room_id', m.room_id, 'sender_id', m.sender_id, 'sender', u.username,
          'content', m.content, 'is_read', m.is_read, 'client_id', m.client_id,
          'created_at', m.created_at, 'updated_at', m.updated_at, 'reply_to', m.reply_to))
        FROM (SELECT * FROM messages WHERE room_id = r.id ORDER BY id DESC LIMIT $4) m
        JOIN users u ON u.id = m.sender_id),
     -- Unread: two counters; unread mentions: a range of the viewer's mentions index after
     -- their marker. No scan of the room's history.
     'unread_count',
       (SELECT CASE WHEN r.message_count > p.read_count
                    THEN r.message_count - p.read_count ELSE 0 END
        FROM room_participants p WHERE p.room_id = r.id AND p.user_id = $1),
     'mention_count',
       (SELECT COUNT(*) FROM message_mentions mm
        JOIN room_participants p ON p.room_id = mm.room_id AND p.user_id = mm.user_id
        WHERE mm.user_id = $1 AND mm.room_id = r.id AND mm.message_id > p.last_read_id)))
   FROM (SELECT r.* FROM room_participants p JOIN chat_rooms r ON r.id = p.room_id
         WHERE p.user_id = $1 ORDER BY r.last_activity_at DESC, r.id DESC
         LIMIT $2 OFFSET $3) r) AS rooms
