-- The messages of room $1 with $2 < id < $3, newest first, $4 of them: a range of
-- messages_by_room, read once into the page (window_page.sql reads it four times: inlined,
-- each read paid the index walk again, and a page meeting an index leaf boundary four extra
-- buffers; pg_stat_statements via chat-bench page-cost: 94 buffers a page call, 22 materialized).
--
-- The planner, estimating from statistics where one room holds most rows, would walk the
-- primary key backwards for "room = X, newest first" and filter: fast until the newest ids
-- belong to other rooms (a quiet room beside busy ones), then one page read thousands of
-- pages (bench: p99 482 ms). Comparing (room_id, id) as a row binds the scan to
-- messages_by_room, whatever the statistics say.
--
-- The parameters are read through `params`, materialized, so that no plan depends on their
-- values: PostgreSQL keeps one generic plan instead of planning every page afresh (planning
-- was two thirds of a page's database time, 0.49 of 0.75 ms, in chat-bench page-cost).
WITH params AS MATERIALIZED (
  SELECT $1::bigint AS room, $2::bigint AS above, $3::bigint AS below, $4::bigint AS size,
  $5::bigint AS viewer),
page AS MATERIALIZED (
  SELECT m.* FROM params CROSS JOIN LATERAL (
    SELECT * FROM messages WHERE (room_id, id) > (params.room, params.above)
    AND (room_id, id) < (params.room, params.below)
    ORDER BY room_id DESC, id DESC LIMIT params.size) m)
