-- A page of the messages matching the FTS5 query $2 in the rooms of user $1 (only room $3,
-- if not null), best first, newest first among equal scores: $6 of them after the hit
-- scored $4 with id $5 (null: from the start).
--
-- BM25 is negated (FTS5's is lower-is-better). The FTS5 table is searched first, then its
-- matches are kept if their room is one of the user's. The scores are computed once, into a
-- materialized table (inlined, the score would be computed in each comparison of the cut,
-- up to three times a match); only the page's rows are joined to their columns and senders,
-- after the sort. (100k messages, a word in 74 % of them, 20 of 100 rooms searched: 40–55 ms
-- a page, first or later; with the score inlined a later page took 90–115 ms.)
WITH scored AS MATERIALIZED (
  SELECT f.rowid AS id, -bm25(messages_fts) AS score
  FROM messages_fts f
  JOIN messages m ON m.id = f.rowid
  JOIN room_participants p ON p.room_id = m.room_id AND p.user_id = $1
  WHERE messages_fts MATCH $2 AND ($3 IS NULL OR m.room_id = $3))
SELECT m.id, m.room_id, m.sender_id, u.username AS sender, m.content, m.is_read,
       m.client_id, m.created_at, m.updated_at, m.reply_to, hit.score
FROM (SELECT id, score FROM scored
      WHERE ($4 IS NULL OR score < $4 OR (score = $4 AND id < $5))
      ORDER BY score DESC, id DESC LIMIT $6) hit
JOIN messages m ON m.id = hit.id
JOIN users u ON u.id = m.sender_id
ORDER BY hit.score DESC, hit.id DESC
