import { ChatApiError, type ChatClient, type TokenPair, createChatClient } from "./rest.js";

export interface SessionOptions {
  baseUrl: string;
  /** Called with every new pair (refresh tokens rotate: a used one is refused), to keep them. */
  onTokens?: (tokens: TokenPair) => void;
  fetch?: typeof fetch;
}

/** Renew an access token this long before it expires, so a request never carries a dead one. */
const RENEW_BEFORE_MS = 30_000;

/**
 * A logged-in user: holds the token pair and renews the access token (5 minutes by default)
 * with the refresh token when it is about to expire. `api` sends it on every request; give
 * `() => session.accessToken()` to a {@link Realtime} as its `token`.
 */
export class Session {
  /** The REST client, authenticated as this session's user. */
  readonly api: ChatClient;
  #tokens: TokenPair;
  #renewing: Promise<TokenPair> | undefined;
  readonly #anonymous: ChatClient;
  readonly #onTokens: ((tokens: TokenPair) => void) | undefined;

  /** A session from a pair obtained earlier (e.g. kept in `sessionStorage` across reloads). */
  constructor(tokens: TokenPair, { baseUrl, onTokens, fetch }: SessionOptions) {
    this.#tokens = tokens;
    this.#onTokens = onTokens;
    this.#anonymous = createChatClient({ baseUrl, fetch });
    this.api = createChatClient({ baseUrl, fetch, token: () => this.accessToken() });
  }

  /** Logs in with `POST /api/token/`; a refusal throws a {@link ChatApiError} (401). */
  static async login(
    username: string,
    password: string,
    options: SessionOptions,
  ): Promise<Session> {
    const { data, error, response } = await createChatClient(options).POST("/api/token/", {
      body: { username, password },
    });
    if (!data) throw new ChatApiError(response.status, error);
    options.onTokens?.(data);
    return new Session(data, options);
  }

  get tokens(): TokenPair {
    return this.#tokens;
  }

  /** A valid access token: the current one, or a renewed one when it expires soon. */
  async accessToken(): Promise<string> {
    if (expiresAt(this.#tokens.access) - Date.now() > RENEW_BEFORE_MS) return this.#tokens.access;
    // Concurrent callers share one renewal: the refresh token works once.
    this.#renewing ??= this.#renew().finally(() => (this.#renewing = undefined));
    return (await this.#renewing).access;
  }

  async #renew(): Promise<TokenPair> {
    const { data, error, response } = await this.#anonymous.POST("/api/token/refresh/", {
      body: { refresh: this.#tokens.refresh },
    });
    if (!data) throw new ChatApiError(response.status, error);
    this.#tokens = data;
    this.#onTokens?.(data);
    return data;
  }
}

/** When a JWT expires, in ms since the epoch; never when it says nothing readable. */
function expiresAt(jwt: string): number {
  try {
    const payload = (jwt.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/");
    const { exp } = JSON.parse(atob(payload)) as { exp?: unknown };
    return typeof exp === "number" ? exp * 1000 : Infinity;
  } catch {
    return Infinity;
  }
}
