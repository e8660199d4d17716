// A two-pane chat on the Chat API client, served as plain files (see README.md).
//
// What it shows: REST calls through the typed client, one every-room stream for live updates,
// and reloads that resume: the page keeps what it shows *and* the stream's position in
// sessionStorage, so a reload renders at once and the stream replays only what it missed.
//
// The API's address comes from `?api=` (default http://127.0.0.1:8000); the server must allow
// this page's origin: CHAT_CORS_ORIGINS=<this page's origin>.

import { Realtime, Session, createChatClient } from "../../dist/src/index.js";

const STORE = "web-chat";
const TYPING_EVERY_MS = 2_000;
const TYPING_SHOWN_MS = 3_000;

const $ = (selector) => document.querySelector(selector);

/**
 * What the page shows, saved after every change with the stream position it reflects:
 * { api, tokens, me: {id, username}, rooms: [{id, name}], open: room id or null,
 *   messages: [Message] (the open room's, oldest first), since }
 */
let state = JSON.parse(sessionStorage.getItem(STORE) ?? "null");
const api =
  new URLSearchParams(location.search).get("api") ?? state?.api ?? "http://127.0.0.1:8000";
if (state && state.api !== api) state = null;

let session;
let live;
/** Messages deleted while the open room's history was loading: the load must not revive them. */
let deletedWhileLoading = null;
const typingTimers = new Map();
let lastTypingSent = 0;

function save() {
  sessionStorage.setItem(STORE, JSON.stringify(state));
}

const sessionOptions = {
  baseUrl: api,
  // Refresh tokens rotate: keep every new pair, or the next reload cannot renew.
  onTokens: (pair) => {
    if (!state) return;
    state.tokens = pair;
    save();
  },
};

// ---- starting: a fresh login, or a reload that resumes

async function start() {
  showError("");
  if (!state?.me) {
    $("#login").hidden = false;
    return;
  }
  session ??= new Session(state.tokens, sessionOptions);
  render();
  live = new Realtime({ baseUrl: api, token: () => session.accessToken(), since: state.since });
  live.on("event", apply);
  live.on("status", showStatus);
  try {
    await live.connect();
  } catch (error) {
    // A session past its refresh token's life: log in again. Anything else (the server is
    // down, say) keeps what the page shows, for a later reload to resume from.
    if (error.status === 401) logOut();
    showError(`Could not connect: ${error.message}`);
  }
}

async function logIn(username, password, register) {
  if (register) {
    const { error } = await createChatClient({ baseUrl: api }).POST("/api/users/register/", {
      body: { username, password },
    });
    if (error) throw new Error(describeError(error));
  }
  state = { api, tokens: null, me: null, rooms: [], open: null, messages: [], since: undefined };
  session = await Session.login(username, password, sessionOptions);
  // The stream's starting point comes first, the REST snapshot second: every change after
  // the snapshot's start is then replayed on top of it (applying an event twice is harmless).
  const events = await session.api.GET("/api/events/");
  state.since = events.data.position;
  state.me = (await session.api.GET("/api/users/me/")).data;
  await loadRooms();
  save();
  $("#login").hidden = true;
  await start();
}

async function loadRooms() {
  const { data } = await session.api.GET("/api/chat/rooms/", {
    params: { query: { page_size: 100 } },
  });
  state.rooms = data.results.map(({ id, name }) => ({ id, name }));
  if (!state.rooms.some((room) => room.id === state.open)) closeRoom();
}

function logOut() {
  live?.close();
  live = undefined;
  session = undefined;
  state = null;
  sessionStorage.removeItem(STORE);
  $("#session").hidden = true;
  $("#login").hidden = false;
}

// ---- the stream

function apply(event) {
  switch (event.type) {
    case "room.created":
    case "room.updated":
      upsertRoom(event.room);
      break;
    case "member.added":
      if (event.user_id === state.me.id) upsertRoom(event.room);
      break;
    case "member.removed":
      if (event.user_id === state.me.id) dropRoom(event.chat_room);
      break;
    case "room.deleted":
      dropRoom(event.chat_room);
      break;
    case "message.created":
    case "message.updated":
      if (event.message.chat_room === state.open) {
        upsertMessage(event.message);
        stopTyping(event.message.sender);
      }
      break;
    case "message.deleted":
      if (event.chat_room === state.open) {
        state.messages = state.messages.filter((m) => m.id !== event.message_id);
        deletedWhileLoading?.add(event.message_id);
      }
      break;
    case "typing":
      if (event.chat_room === state.open) startTyping(event.username);
      break;
    case "resync":
      // Too long away: the events are gone, so reload what is shown over REST.
      void reload();
      break;
  }
  state.since = live.position;
  save();
  render();
}

async function reload() {
  await loadRooms();
  if (state.open !== null) await openRoom(state.open);
  save();
  render();
}

function showStatus(status) {
  const text = {
    connecting: "connecting…",
    open: "live",
    reconnecting: `reconnecting in ${Math.ceil((status.delayMs ?? 0) / 1000)} s…`,
    closed: "offline",
  }[status.state];
  $("#status").textContent = text;
}

// ---- rooms and messages

function upsertRoom({ id, name }) {
  const room = state.rooms.find((r) => r.id === id);
  if (room) room.name = name;
  else state.rooms.unshift({ id, name });
}

function dropRoom(id) {
  state.rooms = state.rooms.filter((room) => room.id !== id);
  if (state.open === id) closeRoom();
}

function closeRoom() {
  state.open = null;
  state.messages = [];
}

function upsertMessage(message) {
  const at = state.messages.findIndex((m) => m.id === message.id);
  if (at >= 0) state.messages[at] = message;
  else {
    state.messages.push(message);
    state.messages.sort((a, b) => a.id - b.id);
  }
}

async function openRoom(id) {
  state.open = id;
  state.messages = [];
  deletedWhileLoading = new Set();
  render();
  const { data, error } = await session.api.GET("/api/chat/rooms/{room_id}/messages/", {
    params: { path: { room_id: id }, query: { page_size: 50 } },
  });
  if (error) return showError(describeError(error));
  if (state.open !== id) return;
  // Live events may have come in meanwhile: merge, do not replace.
  for (const message of data.results) {
    if (!deletedWhileLoading.has(message.id) && !state.messages.some((m) => m.id === message.id)) {
      upsertMessage(message);
    }
  }
  deletedWhileLoading = null;
  save();
  render();
}

async function createRoom(name, usernames) {
  const participants = [];
  for (const username of usernames) {
    const { data } = await session.api.GET("/api/users/", {
      params: { query: { search: username } },
    });
    const user = data.results.find((u) => u.username === username);
    if (!user) throw new Error(`No user named ${username}`);
    participants.push(user.id);
  }
  const { data, error } = await session.api.POST("/api/chat/rooms/", {
    body: { name, room_type: "GROUP", participants },
  });
  if (error) throw new Error(describeError(error));
  upsertRoom(data);
  await openRoom(data.id);
}

async function send(text) {
  const { data, error } = await session.api.POST("/api/chat/rooms/{room_id}/messages/", {
    params: { path: { room_id: state.open } },
    // Safe to retry: the server answers a repeated client_id with the first message.
    // (randomUUID exists in secure contexts only: https, or localhost.)
    body: { content: text, client_id: crypto.randomUUID?.() },
  });
  if (error) throw new Error(describeError(error));
  if (data.chat_room === state.open) upsertMessage(data);
  save();
  render();
}

// ---- typing

function startTyping(username) {
  clearTimeout(typingTimers.get(username));
  typingTimers.set(
    username,
    setTimeout(() => stopTyping(username), TYPING_SHOWN_MS),
  );
  renderTyping();
}

function stopTyping(username) {
  clearTimeout(typingTimers.get(username));
  typingTimers.delete(username);
  renderTyping();
}

function renderTyping() {
  const names = [...typingTimers.keys()];
  $("#typing").textContent = names.length
    ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…`
    : "";
}

// ---- the page

function render() {
  $("#session").hidden = false;
  $("#me").textContent = state.me.username;
  $("#rooms").replaceChildren(
    ...state.rooms.map((room) => {
      const button = document.createElement("button");
      button.textContent = room.name;
      button.setAttribute("aria-current", String(room.id === state.open));
      button.onclick = () => void openRoom(room.id);
      const item = document.createElement("li");
      item.append(button);
      return item;
    }),
  );
  const room = state.rooms.find((r) => r.id === state.open);
  $("#room-name").textContent = room?.name ?? "Pick a room";
  $("#send").hidden = !room;
  $("#messages").replaceChildren(
    ...state.messages.map((message) => {
      const item = document.createElement("li");
      item.dataset.id = message.id;
      const sender = Object.assign(document.createElement("span"), {
        className: "sender",
        textContent: message.sender,
      });
      const content = Object.assign(document.createElement("span"), {
        className: "content",
        textContent: message.content,
      });
      item.append(sender, content);
      return item;
    }),
  );
  $("#messages").lastElementChild?.scrollIntoView({ block: "nearest" });
}

function describeError(error) {
  // DRF shapes: {"detail": "..."} or {"field": ["message", ...]}.
  if (error.detail) return error.detail;
  return Object.entries(error)
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)
    .join("; ");
}

function showError(text) {
  $("#error").textContent = text;
}

/** Runs a form's action, showing its failure instead of throwing it away. */
function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    try {
      await action(new FormData(form), event.submitter);
    } catch (error) {
      showError(error.message);
    }
  });
}

onSubmit($("#login"), (fields, submitter) =>
  logIn(fields.get("username"), fields.get("password"), submitter?.value === "register"),
);
onSubmit($("#new-room"), async (fields) => {
  const usernames = String(fields.get("with"))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  await createRoom(fields.get("name"), usernames);
  $("#new-room").reset();
});
onSubmit($("#send"), async (fields) => {
  const text = String(fields.get("text"));
  await send(text);
  $("#send").reset();
});
$("#send [name=text]").addEventListener("input", () => {
  if (Date.now() - lastTypingSent < TYPING_EVERY_MS) return;
  if (live?.typing(state.open)) lastTypingSent = Date.now();
});
$("#logout").onclick = logOut;

void start();
