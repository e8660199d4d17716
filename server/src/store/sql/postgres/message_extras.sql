-- The extras of the messages whose ids are in the JSON array $1, of the parents in $2 and
-- of the rooms in $3, as user $4 (null: nobody) sees them: `extras`, one JSON array of
-- objects, each told apart by its `kind`:
--   reaction  one row per reaction (counted in Rust); `mine`: by the viewer
--   mention   a user the message names
--   parent    a parent message's first 101 characters
--   readers   the room's two furthest read markers
-- The same as the extras half of window_page.sql, on id lists instead of a page.
SELECT
  (SELECT COALESCE(json_agg(x), '[]')::text FROM (
     SELECT json_build_object('kind', 'reaction', 'message_id', r.message_id,
                              'emoji', r.emoji, 'mine', r.user_id = $4::bigint,
                              'created_at', r.created_at) AS x
     FROM json_array_elements_text($1::json) ids
     JOIN message_reactions r ON r.message_id = ids.value::bigint
     UNION ALL
     SELECT json_build_object('kind', 'mention', 'message_id', mm.message_id,
                              'user_id', mm.user_id)
     FROM json_array_elements_text($1::json) ids
     JOIN message_mentions mm ON mm.message_id = ids.value::bigint
     UNION ALL
     SELECT json_build_object('kind', 'parent', 'id', pm.id, 'sender_id', pm.sender_id,
                              'sender', pu.username, 'content', left(pm.content, 101))
     FROM json_array_elements_text($2::json) parents
     JOIN messages pm ON pm.id = parents.value::bigint
     JOIN users pu ON pu.id = pm.sender_id
     UNION ALL
     SELECT json_build_object('kind', 'readers', 'room_id', rooms.value::bigint, 'readers',
       (SELECT COALESCE(json_agg(json_build_object('user_id', user_id,
                                                   'last_read_id', last_read_id)), '[]')
        FROM (SELECT user_id, last_read_id FROM room_participants
              WHERE room_id = rooms.value::bigint AND last_read_id > 0
              ORDER BY last_read_id DESC LIMIT 2) top))
     FROM json_array_elements_text($3::json) rooms) extras) AS extras
