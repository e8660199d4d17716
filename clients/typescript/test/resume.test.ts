// A stream that loses its connection resumes from the last position it delivered: every
// event stored meanwhile arrives, once, in order — checked against the event log itself
// (GET /api/events/), which is what a stream must deliver.

import assert from "node:assert/strict";
import test from "node:test";

import { type Message, eventPosition } from "../src/index.js";
import { API, CuttableProxy, type TestUser, connect, newUser, ok, storedSince } from "./support.js";

async function pair() {
  const [alice, bob] = await Promise.all([newUser("alice"), newUser("bob")]);
  const room = ok(
    await alice.api.POST("/api/chat/rooms/", {
      body: { name: "Resumable", room_type: "GROUP", participants: [bob.id] },
    }),
    "create room",
  );
  return { alice, bob, room: room.id };
}

async function say(
  user: TestUser,
  room: number,
  content: string,
): Promise<{ message: Message; position: number }> {
  const result = await user.api.POST("/api/chat/rooms/{room_id}/messages/", {
    params: { path: { room_id: room } },
    body: { content },
  });
  const message = ok(result, `send ${content}`);
  const position = eventPosition(result.response);
  assert.ok(position, "a stored message answers X-Event-Position");
  return { message, position };
}

test("a connection cut while events are stored: the stream resumes, losing and repeating nothing", async (t) => {
  const proxy = await CuttableProxy.start(API);
  t.after(() => proxy.close());
  const { alice, bob, room } = await pair();
  const { live, recorder } = await connect(bob, { baseUrl: proxy.base });
  const start = live.position!;
  const before = await say(alice, room, "Before the cut");
  await recorder.until(() => live.position === before.position, "the first message");

  proxy.refuse(true);
  proxy.cut();
  await recorder.until(() => live.status.state === "reconnecting", "the stream to notice the cut");

  // Every kind of change while Bob is away, not only new messages.
  const kept = await say(alice, room, "While away");
  const dropped = await say(alice, room, "Soon deleted");
  const path = (id: number) => ({ params: { path: { room_id: room, id } } });
  ok(
    await alice.api.PATCH("/api/chat/rooms/{room_id}/messages/{id}/", {
      ...path(kept.message.id),
      body: { content: "While away (edited)" },
    }),
    "edit",
  );
  ok(
    await alice.api.POST("/api/chat/rooms/{room_id}/messages/{id}/reactions/", {
      ...path(kept.message.id),
      body: { emoji: "🎉" },
    }),
    "react",
  );
  await alice.api.DELETE("/api/chat/rooms/{room_id}/messages/{id}/", path(dropped.message.id));
  const renamed = await alice.api.PATCH("/api/chat/rooms/{id}/", {
    params: { path: { id: room } },
    body: { name: "Resumed" },
  });
  const last = eventPosition(renamed.response)!;

  proxy.refuse(false);
  await recorder.until(() => live.position === last, `position ${last} after the reconnection`);
  assert.equal(live.status.state, "open");
  assert.deepEqual(recorder.positions(), [
    before.position,
    ...(await storedSince(bob, before.position)),
  ]);
  assert.deepEqual(recorder.positions(), await storedSince(bob, start));
  const edited = recorder.events.find((e) => e.type === "message.updated");
  assert.equal(edited?.type === "message.updated" && edited.message.content, "While away (edited)");
  live.close();
});

test("a connection cut in the middle of a burst: no gap and no duplicate at the seam", async (t) => {
  const proxy = await CuttableProxy.start(API);
  t.after(() => proxy.close());
  const { alice, bob, room } = await pair();
  const { live, recorder } = await connect(bob, { baseUrl: proxy.base });
  const start = live.position!;

  // Cut as the tenth message arrives, while Alice is still sending: events are stored during
  // the cut, the reconnection and the replay alike.
  let heard = 0;
  live.on("message.created", () => {
    if (++heard === 10) proxy.cut();
  });
  let last = 0;
  for (let n = 1; n <= 40; n++) last = (await say(alice, room, `Burst ${n}`)).position;

  await recorder.until(() => live.position === last, `position ${last}`);
  assert.ok(
    recorder.statuses.some((s) => s.state === "reconnecting"),
    "the cut was noticed",
  );
  const contents = recorder.events.flatMap((e) =>
    e.type === "message.created" ? [e.message.content] : [],
  );
  assert.deepEqual(
    contents,
    Array.from({ length: 40 }, (_, i) => `Burst ${i + 1}`),
  );
  assert.deepEqual(recorder.positions(), await storedSince(bob, start));
  live.close();
});

test("since from an earlier run (a page reload) delivers exactly what came after it", async () => {
  const { alice, bob, room } = await pair();
  const first = await connect(bob);
  const heard = await say(alice, room, "Heard");
  await first.recorder.until(() => first.live.position === heard.position, "the first message");
  const saved = first.live.position!;
  first.live.close();

  const missed = [await say(alice, room, "Missed 1"), await say(alice, room, "Missed 2")];
  const { live, recorder } = await connect(bob, { since: saved });
  await recorder.until(() => live.position === missed[1]!.position, "the missed messages");
  assert.deepEqual(
    recorder.events.map((e) => e.type === "message.created" && e.message.content),
    ["Missed 1", "Missed 2"],
  );
  assert.deepEqual(recorder.positions(), await storedSince(bob, saved));
  live.close();
});
