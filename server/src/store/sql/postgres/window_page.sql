-- The messages of `page` (the window a window_of_*.sql put before this) and their extras,
-- as user $5 sees them, if $5 is in room $1; both null otherwise: the membership check, the
-- page and its extras in one statement. `messages` as in messages_by_offset.sql, `extras`
-- as in message_extras.sql (here of the page's messages and parents, and of the room $1).
SELECT
  (CASE WHEN EXISTS (SELECT 1 FROM room_participants WHERE room_id = $1 AND user_id = $5) THEN
     (SELECT COALESCE(json_agg(json_build_object(
        'id', m.id, 'room_id', m.room_id, 'sender_id', m.sender_id, 'sender', u.username,
        'content', m.content, 'is_read', m.is_read, 'client_id', m.client_id,
        'created_at', m.created_at, 'updated_at', m.updated_at, 'reply_to', m.reply_to)), '[]')
      FROM page m JOIN users u ON u.id = m.sender_id)
   END)::text AS messages,
  (CASE WHEN EXISTS (SELECT 1 FROM room_participants WHERE room_id = $1 AND user_id = $5) THEN
     (SELECT COALESCE(json_agg(x), '[]')::text FROM (
        SELECT json_build_object('kind', 'reaction', 'message_id', r.message_id,
                                 'emoji', r.emoji, 'mine', r.user_id = $5,
                                 'created_at', r.created_at) AS x
        FROM page p JOIN message_reactions r ON r.message_id = p.id
        UNION ALL
        SELECT json_build_object('kind', 'mention', 'message_id', mm.message_id,
                                 'user_id', mm.user_id)
        FROM page p JOIN message_mentions mm ON mm.message_id = p.id
        UNION ALL
        SELECT json_build_object('kind', 'parent', 'id', pm.id, 'sender_id', pm.sender_id,
                                 'sender', pu.username, 'content', left(pm.content, 101))
        FROM page p JOIN messages pm ON pm.id = p.reply_to
        JOIN users pu ON pu.id = pm.sender_id
        UNION ALL
        SELECT json_build_object('kind', 'readers', 'room_id', rooms.value, 'readers',
          (SELECT COALESCE(json_agg(json_build_object('user_id', user_id,
                                                      'last_read_id', last_read_id)), '[]')
           FROM (SELECT user_id, last_read_id FROM room_participants
                 WHERE room_id = rooms.value AND last_read_id > 0
                 ORDER BY last_read_id DESC LIMIT 2) top))
        FROM (SELECT $1 AS value) rooms) extras)
   END) AS extras
