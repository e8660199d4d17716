-- The rooms whose ids are in the JSON array $1, each with its newest $2 messages and user
-- $3's read state: `rooms`, one JSON array of room objects. (json_agg of no rows is NULL,
-- not [].)
WITH ids AS (SELECT value::bigint AS value FROM json_array_elements_text($1::json))
SELECT
  (SELECT COALESCE(json_agg(json_build_object(
     'id', r.id, 'name', r.name, 'room_type', r.room_type, 'created_by', r.created_by,
     'created_at', r.created_at, 'updated_at', r.updated_at,
     'last_activity_at', r.last_activity_at,
     'participants',
       (SELECT COALESCE(json_agg(user_id), '[]') FROM room_participants WHERE room_id = r.id),
     -- The newest messages, objects as in messages_by_offset.sql: a range scan of the room's
     -- index each, never a window over its history.
     'messages',
       (SELECT COALESCE(json_agg(json_build_object(
          'id', m.id, 'room_id', m.room_id, 'sender_id', m.sender_id, 'sender', u.username,
          'content', m.content, 'is_read', m.is_read, 'client_id', m.client_id,
          'created_at', m.created_at, 'updated_at', m.updated_at, 'reply_to', m.reply_to)),
          '[]')
        FROM (SELECT * FROM messages WHERE room_id = r.id ORDER BY id DESC LIMIT $2) m
        JOIN users u ON u.id = m.sender_id),
     -- Unread: two counters; unread mentions: a range of the viewer's mentions index after
     -- their marker. No scan of the room's history.
     'unread_count',
       (SELECT CASE WHEN r.message_count > p.read_count
                    THEN r.message_count - p.read_count ELSE 0 END
        FROM room_participants p WHERE p.room_id = r.id AND p.user_id = $3),
     'mention_count',
       (SELECT COUNT(*) FROM message_mentions mm
        JOIN room_participants p ON p.room_id = mm.room_id AND p.user_id = mm.user_id
        WHERE mm.user_id = $3 AND mm.room_id = r.id AND mm.message_id > p.last_read_id))),
     '[]')::text
   FROM chat_rooms r WHERE r.id IN (SELECT value FROM ids)) AS rooms
