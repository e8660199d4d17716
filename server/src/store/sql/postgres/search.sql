-- A page of the messages matching the tsquery $2 in the rooms of user $1 (only room $3, if
-- not null), best first, newest first among equal scores: $6 of them after the hit scored
-- $4 with id $5 (null: from the start).
--
-- ts_rank is a real: as float8 it round-trips through the cursor exactly. Flag 1 divides by
-- 1 + log(length), so a short message with the words ranks above a long one. The scores are
-- computed once, into a materialized table (inlined, the score would be computed in each
-- comparison of the cut, up to three times a match); only the page's rows are joined to
-- their columns and senders, after the sort.
WITH scored AS MATERIALIZED (
  SELECT m.id, ts_rank(m.search, q.query, 1)::float8 AS score
  FROM messages m
  JOIN room_participants p ON p.room_id = m.room_id AND p.user_id = $1
  CROSS JOIN to_tsquery('simple', $2) AS q (query)
  WHERE m.search @@ q.query AND ($3::bigint IS NULL OR m.room_id = $3))
SELECT m.id, m.room_id, m.sender_id, u.username AS sender, m.content, m.is_read,
       m.client_id, m.created_at, m.updated_at, m.reply_to, hit.score
FROM (SELECT id, score FROM scored
      WHERE ($4 IS NULL OR score < $4 OR (score = $4 AND id < $5))
      ORDER BY score DESC, id DESC LIMIT $6) hit
JOIN messages m ON m.id = hit.id
JOIN users u ON u.id = m.sender_id
ORDER BY hit.score DESC, hit.id DESC
