-- The messages of `page` (the window a window_of_*.sql put before this) and their extras,
-- as user $5 sees them, if $5 is in room $1; both null otherwise. The membership check, the
-- page and its extras in one statement: each statement costs a round of thread wake-ups in
-- sqlx's SQLite driver. Messages as in messages_by_offset.sql, extras as in
-- message_extras.sql (here the page's messages and parents, and the room $1).
SELECT
  (CASE WHEN EXISTS (SELECT 1 FROM room_participants WHERE room_id = $1 AND user_id = $5) THEN
     (SELECT json_group_array(json_array(
        m.id, m.room_id, m.sender_id, u.username, m.content, m.is_read, m.client_id,
        m.created_at, m.updated_at, m.reply_to))
      FROM page m JOIN users u ON u.id = m.sender_id)
   END),
  (CASE WHEN EXISTS (SELECT 1 FROM room_participants WHERE room_id = $1 AND user_id = $5) THEN
     (SELECT COALESCE(json_group_array(json(x)), '[]') FROM (
        SELECT json_array('r', r.message_id, r.emoji, r.user_id = $5, r.created_at) AS x
        FROM page p JOIN message_reactions r ON r.message_id = p.id
        UNION ALL
        SELECT json_array('m', mm.message_id, mm.user_id)
        FROM page p JOIN message_mentions mm ON mm.message_id = p.id
        UNION ALL
        SELECT json_array('p', pm.id, pm.sender_id, pu.username, substr(pm.content, 1, 101))
        FROM page p JOIN messages pm ON pm.id = p.reply_to
        JOIN users pu ON pu.id = pm.sender_id
        UNION ALL
        SELECT json_array('t', rooms.value,
          (SELECT json_group_array(json_array(user_id, last_read_id))
           FROM (SELECT user_id, last_read_id FROM room_participants
                 WHERE room_id = rooms.value AND last_read_id > 0
                 ORDER BY last_read_id DESC LIMIT 2)))
        FROM (SELECT $1 AS value) rooms))
   END)
