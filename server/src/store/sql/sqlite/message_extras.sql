-- The extras of the messages whose ids are in the JSON array $1, of the parents in $2 and
-- of the rooms in $3, as user $4 (null: nobody) sees them: one JSON array of tagged rows,
--   ['r', message, emoji, by the viewer, created_at]   one row per reaction
--   ['m', message, user]                               a mention
--   ['p', parent, sender_id, sender, content]          a parent's first 101 characters
--   ['t', room, [[user, last_read_id], ...]]           the room's two furthest read markers
-- The same as the extras half of window_page.sql, on id lists instead of a page.
--
-- Every part is a join on a primary key or an index range, with no IN (subquery) list,
-- GROUP BY or sort: SQLite builds those as temporary B-trees, allocated and freed by every
-- statement (perf: they took the message page from 8.6k to 3.7k/s). Reactions come one row
-- each and are counted in Rust.
SELECT
  (SELECT COALESCE(json_group_array(json(x)), '[]') FROM (
     SELECT json_array('r', r.message_id, r.emoji, r.user_id = $4, r.created_at) AS x
     FROM json_each($1) ids JOIN message_reactions r ON r.message_id = ids.value
     UNION ALL
     SELECT json_array('m', mm.message_id, mm.user_id)
     FROM json_each($1) ids JOIN message_mentions mm ON mm.message_id = ids.value
     UNION ALL
     SELECT json_array('p', pm.id, pm.sender_id, pu.username, substr(pm.content, 1, 101))
     FROM json_each($2) parents JOIN messages pm ON pm.id = parents.value
     JOIN users pu ON pu.id = pm.sender_id
     UNION ALL
     SELECT json_array('t', rooms.value,
       (SELECT json_group_array(json_array(user_id, last_read_id))
        FROM (SELECT user_id, last_read_id FROM room_participants
              WHERE room_id = rooms.value AND last_read_id > 0
              ORDER BY last_read_id DESC LIMIT 2)))
     FROM json_each($3) rooms))
