// What the tests share: users on the real server, a recorder of a stream's events, a TCP
// proxy that cuts connections, and the frames' shapes from asyncapi.yaml.
//
// The servers come from the environment (contract-tests/tests/typescript.rs starts them):
// CHAT_API_BASE, and CHAT_API_BASE_SHORT_RETENTION for one that forgets events after a second.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";

import { parse } from "yaml";

import {
  type ChatClient,
  type ChatEvent,
  type EventOf,
  type EventType,
  Realtime,
  type RealtimeOptions,
  type RealtimeStatus,
  Session,
  type StoredEvent,
  type User,
  createChatClient,
} from "../src/index.js";

function server(name: string): string {
  const base = process.env[name];
  if (!base) {
    throw new Error(
      `${name} is not set: start a chat-server and set it (see clients/typescript/README.md)`,
    );
  }
  return base;
}

export const API = server("CHAT_API_BASE");
export const shortRetentionApi = () => server("CHAT_API_BASE_SHORT_RETENTION");

/** How long any one wait may take before the test fails (a loaded CI machine is slow). */
export const PATIENCE_MS = 15_000;

/** Fast reconnections: the tests cut connections on purpose. */
export const QUICK: Partial<RealtimeOptions> = { backoff: { initialMs: 20, maxMs: 200 } };

/** The data of an openapi-fetch result, or a failure that shows the status and body. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  assert.ok(
    result.data !== undefined,
    `${what}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`,
  );
  return result.data;
}

export interface TestUser extends User {
  password: string;
  session: Session;
  api: ChatClient;
}

let users = 0;

/** Registers and logs in a user with a name no other run or test uses. */
export async function newUser(name: string, baseUrl = API): Promise<TestUser> {
  const username = `${name}-${process.pid}-${++users}-${Date.now().toString(36)}`;
  const password = "correct horse battery";
  const anonymous = createChatClient({ baseUrl });
  const user = ok(
    await anonymous.POST("/api/users/register/", { body: { username, password } }),
    `register ${username}`,
  );
  const session = await Session.login(username, password, { baseUrl });
  return { ...user, password, session, api: session.api };
}

/** A stream for `user`, connected and recorded. */
export async function connect(
  user: TestUser,
  options: Partial<RealtimeOptions> = {},
): Promise<{ live: Realtime; recorder: Recorder }> {
  const live = new Realtime({
    baseUrl: API,
    token: () => user.session.accessToken(),
    ...QUICK,
    ...options,
  });
  const recorder = new Recorder(live);
  await live.connect();
  return { live, recorder };
}

/** Everything a stream delivers, and waits on it that end as soon as it arrives. */
export class Recorder {
  readonly events: ChatEvent[] = [];
  readonly statuses: RealtimeStatus[] = [];
  #wake = new Set<() => void>();

  constructor(live: Realtime) {
    live.on("event", (event) => this.#record(() => this.events.push(event)));
    live.on("status", (status) => this.#record(() => this.statuses.push(status)));
  }

  #record(push: () => void): void {
    push();
    for (const wake of this.#wake) wake();
  }

  /** Resolves once `condition` holds, checked after every event and status. */
  until(condition: () => boolean, what: string, timeoutMs = PATIENCE_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake.delete(check);
        const seen = this.events.map((e) => e.type).join(", ");
        reject(new Error(`waited ${timeoutMs} ms for ${what}; events so far: ${seen}`));
      }, timeoutMs);
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#wake.delete(check);
        resolve();
      };
      this.#wake.add(check);
    });
  }

  /** The first event of `type` that `match` accepts, once it has arrived. */
  async event<T extends EventType>(
    type: T,
    match: (event: EventOf<T>) => boolean = () => true,
  ): Promise<EventOf<T>> {
    const find = () =>
      this.events.find((e): e is EventOf<T> => e.type === type && match(e as EventOf<T>));
    await this.until(() => find() !== undefined, `a ${type} event`);
    return find()!;
  }

  /** The positions of the stored events delivered, in order. */
  positions(): number[] {
    return this.events.flatMap((e) =>
      isStored(e) && e.position !== undefined ? [e.position] : [],
    );
  }
}

function isStored(event: ChatEvent): event is StoredEvent {
  return "position" in event && event.type !== "resync";
}

/** What the event log holds for `user` after `since`, over REST: what a stream must deliver. */
export async function storedSince(user: TestUser, since: number): Promise<number[]> {
  const page = ok(
    await user.api.GET("/api/events/", { params: { query: { since, limit: 500 } } }),
    "GET /api/events/",
  );
  return page.events.map((event) => (event as { position: number }).position);
}

/** A TCP proxy to the server whose connections a test can cut, and that can refuse new ones. */
export class CuttableProxy {
  readonly base: string;
  #open = new Set<net.Socket>();
  #refusing = false;
  readonly #server: net.Server;

  private constructor(server: net.Server, base: string) {
    this.#server = server;
    this.base = base;
  }

  static async start(target: string): Promise<CuttableProxy> {
    const { hostname, port } = new URL(target);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as net.AddressInfo;
    const proxy = new CuttableProxy(server, `http://127.0.0.1:${address.port}`);
    server.on("connection", (client) => proxy.#relay(client, hostname, Number(port)));
    return proxy;
  }

  #relay(client: net.Socket, host: string, port: number): void {
    if (this.#refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(port, host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#open.add(from);
      from.pipe(to);
      from.on("error", () => to.destroy());
      from.on("close", () => {
        this.#open.delete(from);
        to.destroy();
      });
    }
  }

  /** While on, every new connection is reset at once, as by a server that is down. */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  /** Drops every open connection, without a close frame: a network failure. */
  cut(): void {
    for (const socket of this.#open) socket.destroy();
  }

  close(): void {
    this.cut();
    this.#server.close();
  }
}

// ---- the frames' shapes, from asyncapi.yaml and openapi.yaml

interface Schema {
  required?: string[];
  properties?: Record<string, Schema & { $ref?: string; const?: unknown; enum?: unknown[] }>;
  additionalProperties?: boolean;
}

const root = new URL("../../../../", import.meta.url);
const asyncapi = parse(readFileSync(new URL("asyncapi.yaml", root), "utf8"));
const openapi = parse(readFileSync(new URL("openapi.yaml", root), "utf8"));

/** Every frame the every-room socket may send, by `type` (`name` in asyncapi.yaml). */
export const FRAMES: Map<string, Schema> = new Map(
  (asyncapi.channels["/ws/chat/"].subscribe.message.oneOf as { $ref: string }[]).map(({ $ref }) => {
    const message = asyncapi.components.messages[$ref.split("/").pop()!];
    return [message.name as string, message.payload as Schema];
  }),
);

/** What is wrong with `event` according to asyncapi.yaml (and openapi.yaml inside it). */
export function shapeProblems(event: ChatEvent): string[] {
  const payload = FRAMES.get(event.type);
  if (!payload) return [`asyncapi.yaml has no frame named ${event.type}`];
  const problems = objectProblems(event as unknown as Record<string, unknown>, payload, event.type);
  for (const [key, property] of Object.entries(payload.properties ?? {})) {
    const ref = property.$ref?.match(/^\.\/openapi\.yaml#\/components\/schemas\/(\w+)$/)?.[1];
    const value = (event as unknown as Record<string, unknown>)[key];
    if (ref && value) {
      problems.push(
        ...objectProblems(
          value as Record<string, unknown>,
          openapi.components.schemas[ref],
          `${event.type}.${key}`,
        ),
      );
    }
  }
  return problems;
}

function objectProblems(value: Record<string, unknown>, schema: Schema, where: string): string[] {
  const problems = (schema.required ?? [])
    .filter((key) => !(key in value))
    .map((key) => `${where}: required ${key} is missing`);
  if (schema.additionalProperties === false) {
    const known = new Set(Object.keys(schema.properties ?? {}));
    problems.push(
      ...Object.keys(value)
        .filter((key) => !known.has(key))
        .map((key) => `${where}: unexpected ${key}`),
    );
  }
  return problems;
}
