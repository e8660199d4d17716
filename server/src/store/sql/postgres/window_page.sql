-- The messages of `page` (the window a window_of_*.sql put before this) and their extras,
-- as user $5 sees them, if $5 is in room $1 (read through `params`); both null otherwise: the
-- membership check, the page and its extras in one statement. Messages as in
-- messages_by_offset.sql, extras as in message_extras.sql (here the page's messages and
-- parents, and the room $1).
SELECT
  (CASE WHEN EXISTS (SELECT 1 FROM room_participants
                     WHERE room_id = (SELECT room FROM params)
                     AND user_id = (SELECT viewer FROM params)) THEN
     (SELECT COALESCE(json_agg(json_build_array(
        m.id, m.room_id, m.sender_id, u.username, m.content, m.is_read, m.client_id,
        m.created_at, m.updated_at, m.reply_to)), '[]')
      FROM page m JOIN users u ON u.id = m.sender_id)
   END)::text,
  (CASE WHEN EXISTS (SELECT 1 FROM room_participants
                     WHERE room_id = (SELECT room FROM params)
                     AND user_id = (SELECT viewer FROM params)) THEN
     (SELECT COALESCE(json_agg(x), '[]')::text FROM (
        SELECT json_build_array('r', r.message_id, r.emoji,
          r.user_id = (SELECT viewer FROM params), r.created_at) AS x
        FROM page p JOIN message_reactions r ON r.message_id = p.id
        UNION ALL
        SELECT json_build_array('m', mm.message_id, mm.user_id)
        FROM page p JOIN message_mentions mm ON mm.message_id = p.id
        UNION ALL
        SELECT json_build_array('p', pm.id, pm.sender_id, pu.username, left(pm.content, 101))
        FROM page p JOIN messages pm ON pm.id = p.reply_to
        JOIN users pu ON pu.id = pm.sender_id
        UNION ALL
        SELECT json_build_array('t', rooms.value,
          (SELECT COALESCE(json_agg(json_build_array(user_id, last_read_id)), '[]')
           FROM (SELECT user_id, last_read_id FROM room_participants
                 WHERE room_id = rooms.value AND last_read_id > 0
                 ORDER BY last_read_id DESC LIMIT 2) top))
        FROM (SELECT room AS value FROM params) rooms) extras)
   END)
