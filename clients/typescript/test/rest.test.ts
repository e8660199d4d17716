// REST through openapi-fetch and the generated types: bodies, errors and headers as
// openapi.yaml declares them.

import assert from "node:assert/strict";
import test from "node:test";

import { ChatApiError, Session, createChatClient, cursorOf, eventPosition } from "../src/index.js";
import { API, newUser, ok } from "./support.js";

test("register, log in, create a room, send, and read it back page by page", async () => {
  const anonymous = createChatClient({ baseUrl: API });
  const username = `rest-${process.pid}-${Date.now().toString(36)}`;
  const password = "correct horse battery";
  const registered = await anonymous.POST("/api/users/register/", { body: { username, password } });
  assert.equal(registered.response.status, 201);
  assert.equal(registered.data?.username, username);

  const taken = await anonymous.POST("/api/users/register/", { body: { username, password } });
  assert.equal(taken.response.status, 400);
  assert.deepEqual(taken.error?.username, ["A user with that username already exists."]);

  const session = await Session.login(username, password, { baseUrl: API });
  const api = session.api;
  const me = ok(await api.GET("/api/users/me/"), "me");
  assert.equal(me.id, registered.data?.id);

  const friend = await newUser("friend");
  const created = await api.POST("/api/chat/rooms/", {
    body: { name: "Pages", room_type: "GROUP", participants: [friend.id] },
  });
  assert.equal(created.response.status, 201);
  const room = created.data!;
  assert.deepEqual(
    [...room.participants].sort((a, b) => a - b),
    [me.id, friend.id].sort((a, b) => a - b),
  );

  const sent: number[] = [];
  for (let n = 1; n <= 7; n++) {
    const reply = await api.POST("/api/chat/rooms/{room_id}/messages/", {
      params: { path: { room_id: room.id } },
      body: { content: `Message ${n}` },
    });
    assert.equal(reply.response.status, 201);
    assert.equal(reply.data?.sender, username);
    assert.ok(eventPosition(reply.response)! > 0, "a stored write answers X-Event-Position");
    sent.push(reply.data!.id);
  }

  // Newest first, three at a time, following the opaque cursor of `next`.
  const pages: number[][] = [];
  let cursor: string | undefined;
  do {
    const page = ok(
      await friend.api.GET("/api/chat/rooms/{room_id}/messages/", {
        params: { path: { room_id: room.id }, query: { page_size: 3, cursor } },
      }),
      "list",
    );
    pages.push(page.results.map((m) => m.id));
    cursor = cursorOf(page.next);
  } while (cursor);
  assert.deepEqual(
    pages.map((p) => p.length),
    [3, 3, 1],
  );
  assert.deepEqual(pages.flat(), [...sent].reverse());
});

test("errors come back typed: field errors, detail, and the status", async () => {
  const alice = await newUser("alice");
  const room = ok(
    await alice.api.POST("/api/chat/rooms/", { body: { name: "Errors", room_type: "GROUP" } }),
    "room",
  );

  const blank = await alice.api.POST("/api/chat/rooms/{room_id}/messages/", {
    params: { path: { room_id: room.id } },
    body: { content: "   " },
  });
  assert.equal(blank.response.status, 400);
  assert.equal(blank.data, undefined);
  // `content` is string[] by ApiError's schema (field → messages).
  const messages: string[] | undefined = blank.error?.content;
  assert.deepEqual(messages, ["This field may not be blank."]);

  const anonymous = createChatClient({ baseUrl: API });
  const unauthenticated = await anonymous.GET("/api/chat/rooms/");
  assert.equal(unauthenticated.response.status, 401);
  assert.equal(unauthenticated.error?.detail, "Authentication credentials were not provided.");

  const missing = await alice.api.GET("/api/chat/rooms/{id}/", {
    params: { path: { id: room.id + 1_000_000 } },
  });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.error?.detail, "Not found.");

  await assert.rejects(
    Session.login(alice.username, "wrong password", { baseUrl: API }),
    (error: unknown) => {
      assert.ok(error instanceof ChatApiError);
      assert.equal(error.status, 401);
      assert.equal(error.body?.detail, "No active account found with the given credentials");
      return true;
    },
  );
});

test("a session renews an access token that is about to expire, and reports the new pair", async () => {
  const alice = await newUser("alice");
  // An access token that expired in 1970, beside a good refresh token.
  const expired = ["e30", btoa(JSON.stringify({ exp: 1 })).replace(/=+$/, ""), "sig"].join(".");
  const renewed: string[] = [];
  const session = new Session(
    { access: expired, refresh: alice.session.tokens.refresh },
    { baseUrl: API, onTokens: (tokens) => renewed.push(tokens.access) },
  );
  // Concurrent requests share one renewal: refresh tokens work once.
  const [a, b] = await Promise.all([
    session.api.GET("/api/users/me/"),
    session.api.GET("/api/users/me/"),
  ]);
  assert.equal(a.data?.id, alice.id);
  assert.equal(b.data?.id, alice.id);
  assert.equal(renewed.length, 1);
  assert.equal(session.tokens.access, renewed[0]);
});
