-- The rooms whose ids are in the JSON array $1, each with its newest $2 messages and user
-- $3's read state, as one JSON array of rooms, each an array of: id, name, room_type,
-- created_by, created_at, updated_at, last_activity_at, participants (user ids), messages
-- (each as in messages_by_offset.sql), unread_count, mention_count.
-- json_agg of no rows is NULL, not [].
WITH ids AS (SELECT value::bigint AS value FROM json_array_elements_text($1::json))
SELECT
  (SELECT COALESCE(json_agg(json_build_array(
     r.id, r.name, r.room_type, r.created_by, r.created_at, r.updated_at, r.last_activity_at,
     (SELECT COALESCE(json_agg(user_id), '[]') FROM room_participants WHERE room_id = r.id),
     -- The newest messages: a range scan of the room's index each, never a window over its
     -- history.
     (SELECT COALESCE(json_agg(json_build_array(
        m.id, m.room_id, m.sender_id, u.username, m.content, m.is_read, m.client_id,
        m.created_at, m.updated_at, m.reply_to)), '[]')
      FROM (SELECT * FROM messages WHERE room_id = r.id ORDER BY id DESC LIMIT $2) m
      JOIN users u ON u.id = m.sender_id),
     -- Unread: two counters; unread mentions: a range of the viewer's mentions index after
     -- their marker. No scan of the room's history.
     (SELECT CASE WHEN r.message_count > p.read_count
                  THEN r.message_count - p.read_count ELSE 0 END
      FROM room_participants p WHERE p.room_id = r.id AND p.user_id = $3),
     (SELECT COUNT(*) FROM message_mentions mm
      JOIN room_participants p ON p.room_id = mm.room_id AND p.user_id = mm.user_id
      WHERE mm.user_id = $3 AND mm.room_id = r.id AND mm.message_id > p.last_read_id))),
     '[]')::text
   FROM chat_rooms r WHERE r.id IN (SELECT value FROM ids))
