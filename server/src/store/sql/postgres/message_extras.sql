-- The extras of the messages whose ids are in the JSON array $1, of the parents in $2 and
-- of the rooms in $3, as user $4 (null: nobody) sees them: one JSON array of tagged rows,
--   ['r', message, emoji, by the viewer, created_at]   one row per reaction
--   ['m', message, user]                               a mention
--   ['p', parent, sender_id, sender, content]          a parent's first 101 characters
--   ['t', room, [[user, last_read_id], ...]]           the room's two furthest read markers
-- The same as the extras half of window_page.sql, on id lists instead of a page.
-- Reactions come one row each and are counted in Rust.
SELECT
  (SELECT COALESCE(json_agg(x), '[]')::text FROM (
     SELECT json_build_array('r', r.message_id, r.emoji, r.user_id = $4::bigint, r.created_at) AS x
     FROM json_array_elements_text($1::json) ids
     JOIN message_reactions r ON r.message_id = ids.value::bigint
     UNION ALL
     SELECT json_build_array('m', mm.message_id, mm.user_id)
     FROM json_array_elements_text($1::json) ids
     JOIN message_mentions mm ON mm.message_id = ids.value::bigint
     UNION ALL
     SELECT json_build_array('p', pm.id, pm.sender_id, pu.username, left(pm.content, 101))
     FROM json_array_elements_text($2::json) parents
     JOIN messages pm ON pm.id = parents.value::bigint
     JOIN users pu ON pu.id = pm.sender_id
     UNION ALL
     SELECT json_build_array('t', rooms.value::bigint,
       (SELECT COALESCE(json_agg(json_build_array(user_id, last_read_id)), '[]')
        FROM (SELECT user_id, last_read_id FROM room_participants
              WHERE room_id = rooms.value::bigint AND last_read_id > 0
              ORDER BY last_read_id DESC LIMIT 2) top))
     FROM json_array_elements_text($3::json) rooms) extras)
