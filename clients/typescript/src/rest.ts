import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./generated/openapi.js";

/** The REST API, typed from openapi.yaml: `api.GET("/api/chat/rooms/")` and so on. */
export type ChatClient = Client<paths>;

type Schemas = components["schemas"];
export type ApiError = Schemas["ApiError"];
export type Invitation = Schemas["Invitation"];
export type Message = Schemas["Message"];
export type Room = Schemas["Room"];
export type RoomType = Schemas["RoomType"];
export type TokenPair = Schemas["TokenPairResponse"];
export type User = Schemas["User"];

/** A refused request, with the server's error body (`detail`, or field → messages). */
export class ChatApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError | undefined,
  ) {
    super(`HTTP ${status}: ${body?.detail ?? JSON.stringify(body)}`);
    this.name = "ChatApiError";
  }
}

/**
 * Where requests get their access token: called before each request (and each socket
 * connection), so it may renew one, as {@link Session.accessToken} does. Nothing: no
 * `Authorization` header.
 */
export type TokenSource = () => string | null | undefined | Promise<string | null | undefined>;

export interface ChatClientOptions {
  /** The server, e.g. `http://127.0.0.1:8000` (no path). */
  baseUrl: string;
  token?: TokenSource;
  /** Another `fetch`, e.g. to add a timeout; default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** A REST client that sends `Authorization: Bearer <token>` from `token` on every request. */
export function createChatClient({ baseUrl, token, fetch }: ChatClientOptions): ChatClient {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ""), fetch });
  if (token) {
    client.use({
      async onRequest({ request }) {
        const access = await token();
        // A caller that set its own header (another user's token, say) keeps it.
        if (access && !request.headers.has("Authorization")) {
          request.headers.set("Authorization", `Bearer ${access}`);
        }
        return request;
      },
    });
  }
  return client;
}

/**
 * The `cursor` of a cursor page's `next` or `previous` URL, to pass as the `cursor` query
 * parameter; `undefined` at the end. Cursors are opaque: take them from these URLs only.
 */
export function cursorOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  return new URL(url).searchParams.get("cursor") ?? undefined;
}

/**
 * The position of the event a write stored (its `X-Event-Position` header), to recognise the
 * change when it comes back on the event stream; `undefined` when the write stored nothing.
 */
export function eventPosition(response: Response): number | undefined {
  const header = response.headers.get("X-Event-Position");
  return header === null ? undefined : Number(header);
}
