-- How many rooms user $1 is in, and $2 of them from offset $3, most recent activity first,
-- each with its newest $4 messages and $1's read state, as one JSON array of rooms (see
-- room_details.sql for a room's fields). json_agg of no rows is NULL, not [].
-- The parameters are read through `params`, materialized, so that no plan depends on their
-- values: PostgreSQL keeps one generic plan instead of planning each page afresh (as in
-- window_of_room_descending.sql).
WITH params AS MATERIALIZED (
  SELECT $1::bigint AS viewer, $2::bigint AS size, $3::bigint AS skip, $4::bigint AS previews)
SELECT
  (SELECT COUNT(*) FROM room_participants WHERE user_id = (SELECT viewer FROM params)),
  (SELECT COALESCE(json_agg(json_build_array(
     r.id, r.name, r.room_type, r.created_by, r.created_at, r.updated_at, r.last_activity_at,
     (SELECT COALESCE(json_agg(user_id), '[]') FROM room_participants WHERE room_id = r.id),
     -- The newest messages: a range scan of the room's index each, never a window over its
     -- history.
     (SELECT COALESCE(json_agg(json_build_array(
        m.id, m.room_id, m.sender_id, u.username, m.content, m.is_read, m.client_id,
        m.created_at, m.updated_at, m.reply_to)), '[]')
      FROM (SELECT * FROM messages WHERE room_id = r.id
            ORDER BY id DESC LIMIT (SELECT previews FROM params)) m
      JOIN users u ON u.id = m.sender_id),
     -- Unread: two counters; unread mentions: a range of the viewer's mentions index after
     -- their marker. No scan of the room's history.
     (SELECT CASE WHEN r.message_count > p.read_count
                  THEN r.message_count - p.read_count ELSE 0 END
      FROM room_participants p
      WHERE p.room_id = r.id AND p.user_id = (SELECT viewer FROM params)),
     (SELECT COUNT(*) FROM message_mentions mm
      JOIN room_participants p ON p.room_id = mm.room_id AND p.user_id = mm.user_id
      WHERE mm.user_id = (SELECT viewer FROM params) AND mm.room_id = r.id
      AND mm.message_id > p.last_read_id))),
     '[]')::text
   FROM (SELECT r.* FROM room_participants p JOIN chat_rooms r ON r.id = p.room_id
         WHERE p.user_id = (SELECT viewer FROM params)
         ORDER BY r.last_activity_at DESC, r.id DESC
         LIMIT (SELECT size FROM params) OFFSET (SELECT skip FROM params)) r)
