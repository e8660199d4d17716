-- The messages of room $1 with $2 < id < $3, oldest first, $4 of them: a range of
-- messages_by_room, read once into the page (window_page.sql reads it four times: inlined,
-- each read paid the index walk again, and a page meeting an index leaf boundary four extra
-- buffers; pg_stat_statements via chat-bench page-cost: 94 buffers a page call, 22 materialized).
--
-- The planner, estimating from statistics where one room holds most rows, would walk the
-- primary key backwards for "room = X, newest first" and filter: fast until the newest ids
-- belong to other rooms (a quiet room beside busy ones), then one page read thousands of
-- pages (bench: p99 482 ms). Comparing (room_id, id) as a row binds the scan to
-- messages_by_room, whatever the statistics say.
WITH page AS MATERIALIZED (
  SELECT * FROM messages WHERE (room_id, id) > ($1, $2) AND (room_id, id) < ($1, $3)
  ORDER BY room_id ASC, id ASC LIMIT $4)
