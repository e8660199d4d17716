// The Chat API client: typed REST calls (openapi-fetch over the types generated from
// openapi.yaml), a session that renews its tokens, and a realtime stream that resumes.

export type { components, operations, paths } from "./generated/openapi.js";
export * from "./events.js";
export * from "./realtime.js";
export * from "./rest.js";
export * from "./session.js";
