// Every event type the server sends arrives through Realtime, typed and shaped as
// asyncapi.yaml says; the stream's refusals and its end are reported to the app.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import test from "node:test";

import {
  ChatApiError,
  type ChatEvent,
  EVENT_TYPES,
  type MessageCreated,
  Realtime,
  RealtimeError,
  eventPosition,
} from "../src/index.js";
import {
  API,
  FRAMES,
  PATIENCE_MS,
  QUICK,
  Recorder,
  connect,
  newUser,
  ok,
  shapeProblems,
  shortRetentionApi,
  storedSince,
} from "./support.js";

/**
 * One line per event, reading the fields of each type: the switch only compiles while the
 * union covers every type (`never` at the end) and each type has the fields read.
 */
function describe(event: ChatEvent): string {
  switch (event.type) {
    case "message.created":
    case "message.updated":
      return `${event.type} ${event.message.id} by ${event.message.sender}: ${event.message.content}`;
    case "message.deleted":
      return `message.deleted ${event.message_id} in ${event.chat_room}`;
    case "read":
      return `read: ${event.user_id} up to ${event.message_id}`;
    case "reaction.added":
    case "reaction.removed":
      return `${event.type} ${event.emoji} ×${event.count} by ${event.username} on ${event.message_id}`;
    case "room.created":
    case "room.updated":
      return `${event.type} ${event.room.id} "${event.room.name}" [${event.room.participants.join(", ")}]`;
    case "room.deleted":
      return `room.deleted ${event.chat_room}`;
    case "member.added":
      return `member.added ${event.user_id} by ${event.by} to "${event.room.name}"`;
    case "member.removed":
      return `member.removed ${event.user_id} by ${event.by} (${event.reason})`;
    case "invitation.created":
    case "invitation.accepted":
    case "invitation.declined":
    case "invitation.revoked":
      return `${event.type} ${event.invitation.invitee} to "${event.invitation.room_name}": ${event.invitation.status}`;
    case "typing":
      return `typing: ${event.username} in ${event.chat_room}`;
    case "presence":
      return `presence: ${event.username} ${event.online ? "online" : `offline since ${event.last_seen_at}`}`;
    case "error":
      return `error ${event.code}: ${event.detail} ${JSON.stringify(event.errors ?? {})}`;
    case "resync":
      return `resync (${event.reason}) from ${event.position}`;
    default: {
      const unknown: never = event;
      return `unknown event ${JSON.stringify(unknown)}`;
    }
  }
}

test("the client knows the same server → client frames as asyncapi.yaml", () => {
  assert.deepEqual([...EVENT_TYPES].sort(), [...FRAMES.keys()].sort());
});

test("every event type arrives typed, shaped as asyncapi.yaml says", async () => {
  // resync needs a server that forgets quickly: that part runs meanwhile, on its own server.
  const resync = resyncEvent();
  resync.catch(() => {}); // Awaited below; a failure meanwhile is not "unhandled".
  const [alice, bob, carol, dave, erin] = await Promise.all([
    newUser("alice"),
    newUser("bob"),
    newUser("carol"),
    newUser("dave"),
    newUser("erin"),
  ]);
  const { live, recorder } = await connect(alice);
  const start = live.position!;

  // Typed listeners: `event` is narrowed to the type named.
  const emojis: string[] = [];
  const departures: string[] = [];
  live.on("reaction.added", (event) => emojis.push(event.emoji));
  live.on("member.removed", (event) => departures.push(event.reason));

  const room = ok(
    await alice.api.POST("/api/chat/rooms/", {
      body: { name: "Everything", room_type: "GROUP", participants: [bob.id] },
    }),
    "create room",
  );
  await recorder.event("room.created", (e) => e.room.id === room.id);
  const roomPath = { params: { path: { id: room.id } } };

  // Bob's first socket: Alice hears him come online, then type.
  const bobs = await connect(bob);
  await recorder.event("presence", (e) => e.user_id === bob.id && e.online);
  assert.ok(bobs.live.typing(room.id));
  await recorder.event("typing", (e) => e.user_id === bob.id);

  const messagePath = (id: number) => ({ params: { path: { room_id: room.id, id } } });
  const message = ok(
    await alice.api.POST("/api/chat/rooms/{room_id}/messages/", {
      params: { path: { room_id: room.id } },
      body: { content: "Hello @" + bob.username },
    }),
    "send",
  );
  ok(
    await alice.api.PATCH("/api/chat/rooms/{room_id}/messages/{id}/", {
      ...messagePath(message.id),
      body: { content: "Hello all" },
    }),
    "edit",
  );
  ok(
    await bob.api.POST("/api/chat/rooms/{room_id}/messages/{id}/reactions/", {
      ...messagePath(message.id),
      body: { emoji: "👍" },
    }),
    "react",
  );
  const unreact = await bob.api.DELETE(
    "/api/chat/rooms/{room_id}/messages/{id}/reactions/{emoji}/",
    {
      params: { path: { room_id: room.id, id: message.id, emoji: "👍" } },
    },
  );
  assert.equal(unreact.response.status, 204);
  ok(
    await bob.api.POST("/api/chat/rooms/{id}/read/", {
      ...roomPath,
      body: { message_id: message.id },
    }),
    "read",
  );

  // A refused action is answered on the socket that sent it.
  assert.ok(live.sendMessage("   ", { chat_room: room.id }));
  const refused = await recorder.event("error");
  assert.equal(refused.code, "invalid");
  assert.deepEqual(Object.keys(refused.errors ?? {}), ["message"]);

  // A retried new_message is answered with the stored message, without a position.
  const clientId = randomUUID();
  assert.ok(live.sendMessage("Once", { chat_room: room.id, client_id: clientId }));
  await recorder.event("message.created", (e) => e.message.client_id === clientId);
  assert.ok(live.sendMessage("Once", { chat_room: room.id, client_id: clientId }));
  const once = () =>
    recorder.events.filter(
      (e): e is MessageCreated => e.type === "message.created" && e.message.client_id === clientId,
    );
  await recorder.until(() => once().length === 2, "the answer to the retry");
  assert.equal(once()[1]?.position, undefined);

  ok(
    await alice.api.PATCH("/api/chat/rooms/{id}/", {
      ...roomPath,
      body: { name: "Everything else" },
    }),
    "rename",
  );
  ok(
    await alice.api.PATCH("/api/chat/rooms/{id}/", {
      ...roomPath,
      body: { participants: [alice.id, bob.id, carol.id] },
    }),
    "add",
  );
  ok(
    await alice.api.PATCH("/api/chat/rooms/{id}/", {
      ...roomPath,
      body: { participants: [alice.id, bob.id] },
    }),
    "remove",
  );

  const invite = async (user: { id: number }) =>
    ok(
      await alice.api.POST("/api/chat/rooms/{id}/invitations/", {
        ...roomPath,
        body: { user_id: user.id },
      }),
      "invite",
    );
  const toDave = await invite(dave);
  ok(
    await dave.api.POST("/api/invitations/{id}/accept/", { params: { path: { id: toDave.id } } }),
    "accept",
  );
  const toErin = await invite(erin);
  ok(
    await erin.api.POST("/api/invitations/{id}/decline/", { params: { path: { id: toErin.id } } }),
    "decline",
  );
  const toCarol = await invite(carol);
  const revoked = await alice.api.DELETE("/api/chat/rooms/{id}/invitations/{invitation_id}/", {
    params: { path: { id: room.id, invitation_id: toCarol.id } },
  });
  assert.equal(revoked.response.status, 204);

  const deleted = await alice.api.DELETE(
    "/api/chat/rooms/{room_id}/messages/{id}/",
    messagePath(message.id),
  );
  assert.equal(deleted.response.status, 204);
  const gone = await alice.api.DELETE("/api/chat/rooms/{id}/", roomPath);
  assert.equal(gone.response.status, 204);
  await recorder.event("room.deleted", (e) => e.chat_room === room.id);
  bobs.live.close();
  live.close();

  const events = [...recorder.events, await resync];
  const lines = events.map(describe);
  const problems = events.flatMap(shapeProblems);
  assert.deepEqual(problems, [], lines.join("\n"));
  assert.deepEqual(
    [...new Set(events.map((e) => e.type))].sort(),
    [...EVENT_TYPES].sort(),
    lines.join("\n"),
  );
  assert.deepEqual(emojis, ["👍"]);
  assert.deepEqual(departures, ["removed"]);

  // The stream delivered exactly what the event log holds for Alice, in order, but for the
  // deleted message's text: the log forgets it (and so a replay would).
  const forgotten = new Set(
    recorder.events.flatMap((e) =>
      (e.type === "message.created" || e.type === "message.updated") && e.message.id === message.id
        ? [e.position]
        : [],
    ),
  );
  assert.equal(forgotten.size, 2);
  assert.deepEqual(
    recorder.positions().filter((p) => !forgotten.has(p)),
    await storedSince(alice, start),
  );
});

/** A `resync`, from a position the short-retention server has already forgotten. */
async function resyncEvent(): Promise<ChatEvent> {
  const baseUrl = shortRetentionApi();
  const [alice, bob] = await Promise.all([newUser("alice", baseUrl), newUser("bob", baseUrl)]);
  const room = ok(
    await alice.api.POST("/api/chat/rooms/", {
      body: { name: "Forgetful", room_type: "GROUP", participants: [bob.id] },
    }),
    "create room",
  );
  const say = async (content: string) => {
    const { response } = await alice.api.POST("/api/chat/rooms/{room_id}/messages/", {
      params: { path: { room_id: room.id } },
      body: { content },
    });
    assert.equal(response.status, 201);
    return eventPosition(response)!;
  };
  const since = await say("Heard");
  await say("Soon forgotten");
  // Pruning happens about every second: nothing to wait on but the log itself.
  const deadline = Date.now() + PATIENCE_MS;
  while (
    (await bob.api.GET("/api/events/", { params: { query: { since } } })).response.status !== 410
  ) {
    assert.ok(Date.now() < deadline, `position ${since} was never pruned`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const live = new Realtime({ baseUrl, token: () => bob.session.accessToken(), since, ...QUICK });
  const recorder = new Recorder(live);
  await live.connect();
  const resync = await recorder.event("resync");
  const newest = ok(await bob.api.GET("/api/events/"), "newest position").position;
  assert.equal(resync.position, newest);
  assert.equal(live.position, newest, "the stream goes on from the resync's position");

  // Live events follow.
  const fresh = await say("Fresh");
  await recorder.until(() => live.position === fresh, "the live event after the resync");
  live.close();
  return resync;
}

test("a room's stream ends for good when the room is deleted", async () => {
  const [alice, bob] = await Promise.all([newUser("alice"), newUser("bob")]);
  const room = ok(
    await alice.api.POST("/api/chat/rooms/", {
      body: { name: "Short-lived", room_type: "GROUP", participants: [bob.id] },
    }),
    "create room",
  );
  const { live, recorder } = await connect(bob, { room: room.id });
  await alice.api.DELETE("/api/chat/rooms/{id}/", { params: { path: { id: room.id } } });
  await recorder.event("room.deleted");
  await recorder.until(() => live.status.state === "closed", "the stream to close");
  assert.deepEqual(live.status, { state: "closed", code: 1000, reason: "room deleted" });
  assert.ok(
    !recorder.statuses.some((s) => s.state === "reconnecting"),
    JSON.stringify(recorder.statuses),
  );
});

test("connect() reports a bad token and a refused socket, and retries neither", async () => {
  const alice = await newUser("alice");
  const bad = new Realtime({ baseUrl: API, token: () => "not-a-token", ...QUICK });
  await assert.rejects(bad.connect(), (error: unknown) => {
    assert.ok(error instanceof ChatApiError);
    assert.equal(error.status, 401);
    return true;
  });
  assert.equal(bad.status.state, "closed");

  // A room Alice is not in: the socket is refused before it opens.
  const bob = await newUser("bob");
  const room = ok(
    await bob.api.POST("/api/chat/rooms/", { body: { name: "Bob's", room_type: "GROUP" } }),
    "room",
  );
  const outsider = new Realtime({
    baseUrl: API,
    token: () => alice.session.accessToken(),
    room: room.id,
    since: 0,
    ...QUICK,
  });
  await assert.rejects(outsider.connect(), RealtimeError);
  assert.equal(outsider.status.state, "closed");
});

test("a one-to-one stream carries the pair's room, and resumes what it missed", async () => {
  const [alice, bob] = await Promise.all([newUser("alice"), newUser("bob")]);
  const pair = (me: { id: number }, other: { id: number }) => ({
    direct: { userId: me.id, otherUserId: other.id },
  });

  const streams: Realtime[] = [];
  const open = async (...args: Parameters<typeof connect>) => {
    const stream = await connect(...args);
    streams.push(stream.live);
    return stream;
  };
  try {
    // Alice's handshake creates the pair's room: its room.created comes first, with its id.
    const alices = await open(alice, pair(alice, bob));
    const created = await alices.recorder.event("room.created");
    assert.equal(created.room.room_type, "ONE_TO_ONE");
    assert.deepEqual([...created.room.participants].sort(), [alice.id, bob.id].sort());
    const room = created.room.id;

    // Bob's side of the pair is the same room.
    const bobs = await open(bob, pair(bob, alice));
    assert.ok(bobs.live.typing());
    const typing = await alices.recorder.event("typing", (e) => e.user_id === bob.id);
    assert.equal(typing.chat_room, room);
    assert.ok(alices.live.sendMessage("Hi Bob"));
    const hi = await bobs.recorder.event("message.created", (e) => e.message.content === "Hi Bob");
    assert.equal(hi.message.chat_room, room);
    assert.deepEqual(shapeProblems(hi), []);

    // Bob goes away; what Alice says meanwhile is replayed when he comes back with `since`.
    const left = bobs.live.position!;
    bobs.live.close();
    ok(
      await alice.api.POST("/api/chat/rooms/{room_id}/messages/", {
        params: { path: { room_id: room } },
        body: { content: "While you were away" },
      }),
      "send over REST",
    );
    const back = await open(bob, { ...pair(bob, alice), since: left });
    const missed = await back.recorder.event(
      "message.created",
      (e) => e.message.content === "While you were away",
    );
    assert.equal(missed.message.sender_id, alice.id);
    assert.deepEqual(back.recorder.positions(), await storedSince(bob, left));

    // The caller must be the pair's first user: the socket is refused before it opens.
    const impostor = new Realtime({
      baseUrl: API,
      token: () => alice.session.accessToken(),
      ...pair(bob, alice),
      ...QUICK,
    });
    await assert.rejects(impostor.connect(), RealtimeError);
    assert.throws(
      () => new Realtime({ baseUrl: API, token: () => null, room: room, ...pair(alice, bob) }),
      /not both/,
    );
  } finally {
    for (const live of streams) live.close();
  }
});
