import type {
  Action,
  ChatEvent,
  EventOf,
  EventType,
  NewMessageAction,
  Position,
} from "./events.js";
import { ChatApiError, type TokenSource, createChatClient } from "./rest.js";

/**
 * The waits between reconnection attempts: the n-th consecutive one waits `initialMs × 2ⁿ`,
 * at most `maxMs`, scaled by a random factor between ½ and 1 so that clients dropped together
 * (a server restart) do not come back together. A connection that lasted `resetAfterMs`
 * starts the sequence over; one that drops sooner counts as a failed attempt.
 */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 30_000, resetAfterMs: 10_000 };

export interface RealtimeOptions {
  /** The server, e.g. `https://chat.example.com` (sockets use `wss:` for `https:`). */
  baseUrl: string;
  /** The access token; called before every connection, so it may renew it. */
  token: TokenSource;
  /**
   * One room (`/ws/chat/rooms/{room}/`); without it (or `direct`), every room of the user
   * (`/ws/chat/`).
   */
  room?: number;
  /**
   * The one-to-one room of `userId` and `otherUserId` (`/ws/chat/{userId}/{otherUserId}/`),
   * which the server finds or creates at the handshake. `userId` must be the token's user.
   */
  direct?: { userId: number; otherUserId: number };
  /**
   * Resume after this position, e.g. the last one a previous page load handled: the stored
   * events after it come first, then live ones. Without it, the stream starts at the newest
   * position when {@link Realtime.connect} is called.
   */
  since?: Position;
  backoff?: Partial<Backoff>;
  /** How long opening a socket may take before the attempt counts as failed. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Another WebSocket implementation (e.g. `ws` on Node 20); default the global one. */
  WebSocket?: new (url: string) => WebSocket;
  fetch?: typeof fetch;
}

export type RealtimeStatus =
  | { state: "connecting" }
  | { state: "open" }
  /** The connection dropped (or an attempt failed); the next attempt is in `delayMs`. */
  | { state: "reconnecting"; attempt: number; delayMs: number; code: number; reason: string }
  /** For good: {@link Realtime.close} was called, or the server will not have us back. */
  | { state: "closed"; code?: number; reason?: string };

/** {@link Realtime.connect} could not open the stream. */
export class RealtimeError extends Error {
  constructor(
    message: string,
    /** The WebSocket close code, when the socket failed. */
    readonly code?: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = "RealtimeError";
  }
}

type Listeners = { [T in EventType]: (event: EventOf<T>) => void } & {
  /** Every event, whatever its type. */
  event: (event: ChatEvent) => void;
  status: (status: RealtimeStatus) => void;
};

/**
 * The events of one room, of a one-to-one pair, or of every room of the user, over a
 * WebSocket that reconnects by itself and resumes where it left off: no event stored meanwhile is lost, none is delivered
 * twice.
 *
 * ```ts
 * const live = new Realtime({ baseUrl, token: () => session.accessToken(), since: saved });
 * live.on("message.created", ({ message }) => show(message));
 * live.on("event", () => save(live.position));
 * live.on("resync", () => reloadOverRest());
 * await live.connect();
 * ```
 */
export class Realtime {
  readonly #options: RealtimeOptions;
  readonly #backoff: Backoff;
  readonly #WebSocket: new (url: string) => WebSocket;
  readonly #handshakeTimeoutMs: number;
  readonly #listeners = new Map<keyof Listeners, Set<(value: never) => void>>();
  #position: Position | undefined;
  #status: RealtimeStatus = { state: "closed" };
  #socket: WebSocket | undefined;
  #started = false;
  #stopped = false;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #handshake: ReturnType<typeof setTimeout> | undefined;
  /** The pending {@link Realtime.connect}, settled by the first attempt. */
  #first: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(options: RealtimeOptions) {
    if (options.room !== undefined && options.direct !== undefined) {
      throw new Error("a stream is of one room or of a one-to-one pair, not both");
    }
    this.#options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#position = options.since;
    const WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    if (!WebSocketImpl) {
      throw new Error("no WebSocket here: pass one (Node 20: --experimental-websocket or `ws`)");
    }
    this.#WebSocket = WebSocketImpl;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  }

  /**
   * The position of the last stored event delivered (or of a `resync`): keep it, and pass it
   * as `since` to resume after a reload. Up to date inside event listeners.
   */
  get position(): Position | undefined {
    return this.#position;
  }

  get status(): RealtimeStatus {
    return this.#status;
  }

  /** Calls `listener` for each event of type `name` (or `"event"`: all, `"status"`). */
  on<K extends keyof Listeners>(name: K, listener: Listeners[K]): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Opens the stream; resolves once the socket is open. A first attempt that fails rejects
   * ({@link ChatApiError} 401 for a bad token, {@link RealtimeError} for a refused socket:
   * browsers do not tell why), and nothing is retried. After that, the stream reconnects by
   * itself until {@link close}.
   */
  async connect(): Promise<void> {
    if (this.#started) throw new Error("connect() was already called: make a new Realtime");
    this.#started = true;
    this.#setStatus({ state: "connecting" });
    try {
      // From the newest position rather than "live": a connection lost before the first
      // event then still misses nothing.
      this.#position ??= await this.#newestPosition();
    } catch (error) {
      this.#finish();
      throw error;
    }
    await new Promise<void>((resolve, reject) => {
      this.#first = { resolve, reject };
      void this.#open();
    });
  }

  /** Sends an action; `false` when the socket is not open (then nothing was sent). */
  send(action: Action): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== socket.OPEN) return false;
    socket.send(JSON.stringify(action));
    return true;
  }

  /** Posts `message`; its `message.created` event is the acknowledgement. */
  sendMessage(
    message: string,
    options: Omit<NewMessageAction, "action" | "message"> = {},
  ): boolean {
    return this.send({ action: "new_message", message, ...options });
  }

  /**
   * Tells the room's other participants the user is typing (`chatRoom`: required on
   * every-room sockets).
   */
  typing(chatRoom?: number): boolean {
    return this.send(
      chatRoom === undefined ? { action: "typing" } : { action: "typing", chat_room: chatRoom },
    );
  }

  /** Closes the socket for good. */
  close(): void {
    if (this.#stopped) return;
    this.#socket?.close(1000);
    this.#first?.reject(new RealtimeError("closed before it connected"));
    this.#finish();
  }

  async #newestPosition(): Promise<Position> {
    const { baseUrl, token, fetch } = this.#options;
    const { data, error, response } = await createChatClient({ baseUrl, token, fetch }).GET(
      "/api/events/",
    );
    if (!data) throw new ChatApiError(response.status, error);
    return data.position;
  }

  async #open(): Promise<void> {
    let socket: WebSocket;
    try {
      const token = await this.#options.token();
      if (this.#stopped) return;
      socket = new this.#WebSocket(this.#url(token));
    } catch (error) {
      this.#failed(1006, error instanceof Error ? error.message : String(error));
      return;
    }
    this.#socket = socket;
    let openedAt: number | undefined;
    // Once per attempt, whichever comes first: some WebSocket implementations (Node 20's)
    // report a failed handshake with an error and no close, or with nothing at all.
    const end = (code: number, reason: string) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      clearTimeout(this.#handshake);
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      if (socket.readyState !== socket.CLOSED) socket.close();
      if (openedAt !== undefined && Date.now() - openedAt >= this.#backoff.resetAfterMs) {
        this.#failures = 0;
      }
      this.#failed(code, reason);
    };
    this.#handshake = setTimeout(() => end(1006, "handshake timed out"), this.#handshakeTimeoutMs);
    socket.onopen = () => {
      clearTimeout(this.#handshake);
      openedAt = Date.now();
      this.#setStatus({ state: "open" });
      this.#first?.resolve();
      this.#first = undefined;
    };
    socket.onmessage = ({ data }) => {
      if (typeof data === "string") this.#receive(data);
    };
    socket.onerror = () => end(1006, "");
    socket.onclose = ({ code, reason }) => end(code, reason);
  }

  #url(token: string | null | undefined): string {
    const base = this.#options.baseUrl.replace(/\/+$/, "");
    const { room, direct } = this.#options;
    const path = direct
      ? `/ws/chat/${direct.userId}/${direct.otherUserId}/`
      : room === undefined
        ? "/ws/chat/"
        : `/ws/chat/rooms/${room}/`;
    const url = new URL(base + path);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    // Browsers cannot set headers on a WebSocket handshake.
    if (token) url.searchParams.set("token", token);
    if (this.#position !== undefined) url.searchParams.set("since", String(this.#position));
    return url.href;
  }

  #receive(text: string): void {
    let event: ChatEvent;
    try {
      event = JSON.parse(text) as ChatEvent;
    } catch {
      return; // The server sends JSON only; anything else is not for us.
    }
    if (event.type === "resync") {
      this.#position = event.position;
    } else if ("position" in event && typeof event.position === "number") {
      // A safety net: the server's replay starts after `since`, so this drops nothing it
      // should deliver.
      if (this.#position !== undefined && event.position <= this.#position) return;
      this.#position = event.position;
    }
    this.#emit(event.type, event);
    this.#emit("event", event);
  }

  /** The socket closed or could not open: retry, unless that is pointless or unwanted. */
  #failed(code: number, reason: string): void {
    if (this.#stopped) return;
    if (this.#first) {
      this.#first.reject(
        new RealtimeError(
          `the socket closed before it opened (${code}${reason ? ` ${reason}` : ""}): a refused ` +
            "handshake (a room the user is not in, a pair not theirs, a `since` newer than the " +
            "server's) or the network",
          code,
          reason,
        ),
      );
      this.#finish(code, reason);
      return;
    }
    // The one-room socket's room was deleted, or the user removed from it: a new socket
    // would be refused, and the last event (room.deleted, member.removed) told the app why.
    if (
      (code === 1000 && reason === "room deleted") ||
      (code === 1008 && reason === "not a participant")
    ) {
      this.#finish(code, reason);
      return;
    }
    const { initialMs, maxMs } = this.#backoff;
    const ceiling = Math.min(initialMs * 2 ** Math.min(this.#failures, 30), maxMs);
    const delayMs = Math.round(ceiling * (0.5 + Math.random() / 2));
    this.#failures += 1;
    this.#setStatus({ state: "reconnecting", attempt: this.#failures, delayMs, code, reason });
    this.#timer = setTimeout(() => void this.#open(), delayMs);
  }

  #finish(code?: number, reason?: string): void {
    this.#stopped = true;
    this.#first = undefined;
    this.#socket = undefined;
    clearTimeout(this.#timer);
    clearTimeout(this.#handshake);
    this.#setStatus(code === undefined ? { state: "closed" } : { state: "closed", code, reason });
  }

  #setStatus(status: RealtimeStatus): void {
    this.#status = status;
    this.#emit("status", status);
  }

  #emit(name: keyof Listeners, value: unknown): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as (value: unknown) => void)(value);
      } catch (error) {
        // One listener's bug must not stop the others, nor the stream: report it the way an
        // uncaught error in an event handler is.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}
