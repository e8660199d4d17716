#!/usr/bin/env node
// Two users chat through examples/web-chat in headless Chromium, the page served from another
// origin than the API (so every call is a CORS request): they register, Alice opens a room
// with Bob, each sees the other's typing and messages; Bob leaves, misses a message and a
// deletion, comes back and the page resumes from the position it kept.
//
//   node test/browser/web-chat.mjs <api-base-url> <page-port>
//
// The API must allow the page's origin, http://127.0.0.1:<page-port> (CHAT_CORS_ORIGINS).
// `npm run build` first. From the environment: CHROMIUM (default /usr/bin/chromium),
// WEB_CHAT_ARTIFACTS (where a failure's screenshots go, default the temporary directory) and
// WEB_CHAT_TIMEOUT_MS (how long any one wait may take, default 30000).
//
// Exit code 0: everything checked out. 1: a check failed. 2: bad usage.

import { createReadStream, mkdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const api = (process.argv[2] ?? "").replace(/\/+$/, "");
const port = Number(process.argv[3]);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.WEB_CHAT_ARTIFACTS || tmpdir();
// Generous: a loaded CI machine with two cores runs other suites at the same time.
const timeout = Number(process.env.WEB_CHAT_TIMEOUT_MS) || 30_000;

if (!api || !port) {
  console.error("usage: node test/browser/web-chat.mjs <api-base-url> <page-port>");
  process.exit(2);
}

/** A failed check: its message is the whole report. */
class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

// ---- the page's origin: the example, the compiled client and openapi-fetch, nothing else

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SERVED = ["/examples/web-chat/", "/dist/src/", "/node_modules/openapi-fetch/dist/"];
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".map": "application/json",
};

const files = createServer((request, response) => {
  let path = normalize(decodeURIComponent(new URL(request.url, "http://page").pathname));
  if (path.endsWith("/")) path += "index.html";
  const file = join(ROOT, path);
  if (
    !SERVED.some((prefix) => path.startsWith(prefix)) ||
    !statSync(file, { throwIfNoEntry: false })?.isFile()
  ) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
  createReadStream(file).pipe(response);
});
await new Promise((resolve, reject) => {
  files.once("error", reject);
  files.listen(port, "127.0.0.1", resolve);
});
const origin = `http://127.0.0.1:${port}`;
const pageUrl = `${origin}/examples/web-chat/?api=${encodeURIComponent(api)}`;

// ---- the browser

const log = [];
const pages = {};
let browser;

// A hung browser must not hang the test that runs this script.
const watchdog = setTimeout(() => {
  console.error(`web-chat.mjs: still running after ${(timeout * 4) / 1000}s, giving up`);
  process.exit(1);
}, timeout * 4);
watchdog.unref();

async function user(name) {
  const context = await browser.newContext();
  context.setDefaultTimeout(timeout);
  const page = await context.newPage();
  page.on("pageerror", (error) => log.push(`${name}: page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error")
      log.push(`${name}: console error: ${message.text()} (${message.location().url})`);
  });
  page.on("requestfailed", (request) =>
    log.push(
      `${name}: request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`,
    ),
  );
  pages[name] = page;
  return page;
}

/** Registers `username` through the page's form and waits for its stream to be live. */
async function register(page, username) {
  await page.goto(pageUrl);
  await page.fill("#login [name=username]", username);
  await page.fill("#login [name=password]", "correct horse battery");
  await page.click("#login button[value=register]");
  await waitForText(page, "#status", "live");
  check((await page.textContent("#me")) === username, `${username} is not shown as signed in`);
}

async function waitForText(page, selector, text) {
  await page
    .locator(selector, { hasText: text })
    .first()
    .waitFor()
    .catch(async () => {
      const error = await page.textContent("#error").catch(() => "");
      throw new CheckFailed(
        `"${text}" never showed in ${selector}${error ? ` (the page says: ${error})` : ""}`,
      );
    });
}

const messages = (page) => page.locator("#messages li .content").allTextContents();
const saved = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem("web-chat")));

try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout,
    // Keep Chromium off the network it cannot reach here.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const [alice, bob] = [`alice-${suffix}`, `bob-${suffix}`];
  const [alicePage, bobPage] = await Promise.all([user("alice"), user("bob")]);
  await Promise.all([register(alicePage, alice), register(bobPage, bob)]);

  // Alice opens a room with Bob; it shows up on Bob's page through his stream.
  await alicePage.fill("#new-room [name=name]", "Study group");
  await alicePage.fill("#new-room [name=with]", bob);
  await alicePage.click("#new-room button");
  await waitForText(alicePage, "#room-name", "Study group");
  await waitForText(bobPage, "#rooms button", "Study group");
  await bobPage.click("#rooms button:text('Study group')");
  await waitForText(bobPage, "#room-name", "Study group");

  // Typing, then messages, both ways.
  await alicePage.locator("#send [name=text]").pressSequentially("Hello Bob");
  await waitForText(bobPage, "#typing", `${alice} is typing`);
  await alicePage.click("#send button");
  await waitForText(bobPage, "#messages li", "Hello Bob");
  await bobPage.locator("#send [name=text]").pressSequentially("Hi Alice");
  await waitForText(alicePage, "#typing", `${bob} is typing`);
  await bobPage.click("#send button");
  await waitForText(alicePage, "#messages li", "Hi Alice");
  // A message from Bob ends his typing.
  await alicePage
    .waitForFunction(() => document.querySelector("#typing").textContent === "")
    .catch(() => {
      throw new CheckFailed("Bob's typing was not cleared by his message");
    });

  // The headers the API exposes to a script of another origin.
  const exposed = await alicePage.evaluate(
    async ({ api, room }) => {
      const { tokens } = JSON.parse(sessionStorage.getItem("web-chat"));
      const reply = await fetch(`${api}/api/chat/rooms/${room}/messages/`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tokens.access}`, "Content-Type": "application/json" },
        body: JSON.stringify({ content: "Checking headers" }),
      });
      return {
        status: reply.status,
        position: reply.headers.get("X-Event-Position"),
        id: (await reply.json()).id,
      };
    },
    { api, room: (await saved(alicePage)).open },
  );
  check(exposed.status === 201, `POST from the page answered ${exposed.status}`);
  check(
    /^\d+$/.test(exposed.position ?? ""),
    `X-Event-Position is not readable from the page: ${exposed.position}`,
  );
  await waitForText(bobPage, "#messages li", "Checking headers");

  // Bob leaves; meanwhile Alice says something and deletes her first message.
  const before = await saved(bobPage);
  await bobPage.goto("about:blank");
  await alicePage.locator("#send [name=text]").fill("While you were away");
  await alicePage.click("#send button");
  await waitForText(alicePage, "#messages li", "While you were away");
  const { tokens } = await saved(alicePage);
  const firstId = (await saved(alicePage)).messages.find((m) => m.content === "Hello Bob").id;
  const deleted = await fetch(`${api}/api/chat/rooms/${before.open}/messages/${firstId}/`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${tokens.access}` },
  });
  check(deleted.status === 204, `deleting Alice's message answered ${deleted.status}`);

  // Bob comes back: the page resumes from the position it kept, from the stream alone.
  const sockets = [];
  const historyLoads = [];
  bobPage.on("websocket", (socket) => sockets.push(new URL(socket.url())));
  bobPage.on("request", (request) => {
    if (request.method() === "GET" && new URL(request.url()).pathname.endsWith("/messages/")) {
      historyLoads.push(request.url());
    }
  });
  await bobPage.goto(pageUrl);
  await waitForText(bobPage, "#messages li", "While you were away");
  await bobPage.locator("#messages li", { hasText: "Hello Bob" }).waitFor({ state: "detached" });
  check(
    sockets.length === 1 && sockets[0].searchParams.get("since") === String(before.since),
    `Bob's page did not resume from since=${before.since}: ${sockets.map(String).join(", ")}`,
  );
  check(
    historyLoads.length === 0,
    `Bob's page reloaded the history instead of resuming: ${historyLoads}`,
  );
  const afterReturn = ["Hi Alice", "Checking headers", "While you were away"];
  check(
    JSON.stringify(await messages(bobPage)) === JSON.stringify(afterReturn),
    `Bob's page shows ${JSON.stringify(await messages(bobPage))}, not ${JSON.stringify(afterReturn)}`,
  );

  // A plain reload: the same messages, none twice.
  await bobPage.reload();
  await waitForText(bobPage, "#status", "live");
  check(
    JSON.stringify(await messages(bobPage)) === JSON.stringify(afterReturn),
    `after a reload Bob's page shows ${JSON.stringify(await messages(bobPage))}`,
  );

  check(log.length === 0, `the pages reported problems:\n${log.join("\n")}`);
  console.log(
    `web-chat at ${origin} (API ${api}): two users registered, chatted and saw each other typing ` +
      `across origins; Bob resumed from position ${before.since} after leaving and after a reload`,
  );
} catch (error) {
  console.error(
    `web-chat check failed: ${error instanceof CheckFailed ? error.message : error.stack}`,
  );
  for (const line of log) console.error(line);
  mkdirSync(artifacts, { recursive: true });
  for (const [name, page] of Object.entries(pages)) {
    const shot = join(artifacts, `web-chat-${name}-${Date.now()}.png`);
    await page
      .screenshot({ path: shot, fullPage: true, timeout })
      .then(() => console.error(`screenshot: ${shot}`))
      .catch((shotError) => console.error(`no screenshot of ${name}: ${shotError.message}`));
  }
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  files.close();
}
