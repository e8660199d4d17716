#!/usr/bin/env node
// Runs the compiled tests (dist/test/*.test.js, `npm run build` first) with node's test
// runner, against the server named by CHAT_API_BASE (and CHAT_API_BASE_SHORT_RETENTION).
// Node 20 has a global WebSocket only behind a flag; later versions have it anyway.

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../dist/test/", import.meta.url));
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".test.js"))
  .map((name) => dir + name);
const flags = typeof WebSocket === "undefined" ? ["--experimental-websocket"] : [];
const { status, error } = spawnSync(
  process.execPath,
  // The tests wait on the network, not the CPU: run the files side by side even on 2 cores.
  [
    ...flags,
    "--test",
    "--test-concurrency=4",
    "--test-timeout=60000",
    ...files,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
if (error) throw error;
process.exit(status ?? 1);
