#!/usr/bin/env node
// Opens the server's Swagger UI in Debian's Chromium and uses it the way a person would:
// every operation of the spec must be listed, tags in the spec's order, under the API's own
// title; an operation's responses show their examples; "Authorize" must take a Bearer token;
// "Try it out" on GET /api/chat/rooms/ must send it and get a 200, and on a WebSocket route
// must say how to connect. Then the AsyncAPI page (/docs/asyncapi/, linked from the
// description) must render the socket's channels and events.
//
//   node swagger-ui.mjs <base-url> <access-token> <id of a room the token's user is in>
//
// Also read from the environment: SWAGGER_UI_BASE and SWAGGER_UI_TOKEN (when not given as
// arguments), CHROMIUM (the browser, default /usr/bin/chromium), SWAGGER_UI_ARTIFACTS (where a
// failure's screenshot goes, default the system's temporary directory) and
// SWAGGER_UI_TIMEOUT_MS (how long any one wait may take, default 30000).
//
// Exit code 0: everything checked out. 1: a check failed (a screenshot is saved and its path
// printed). 2: bad usage.

import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

const base = (process.argv[2] ?? process.env.SWAGGER_UI_BASE ?? "").replace(/\/+$/, "");
const token = process.argv[3] ?? process.env.SWAGGER_UI_TOKEN ?? "";
const roomId = process.argv[4] ?? process.env.SWAGGER_UI_ROOM ?? "";
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.SWAGGER_UI_ARTIFACTS || tmpdir();
// Generous: a loaded CI machine with two cores may be building Rust at the same time.
const timeout = Number(process.env.SWAGGER_UI_TIMEOUT_MS) || 30_000;

// The operation the script executes through the UI; it needs the Bearer token.
const TRY_METHOD = "get";
const TRY_PATH = "/api/chat/rooms/";
const SCHEME = "BearerAuth";
const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// The WebSocket operation "Try it out" is run on, and what its answer must then say.
const SOCKET_PATH = "/ws/chat/rooms/{room_id}/";
// The operation whose documented responses must show examples, and a text each must show.
const EXAMPLES_PATH = "/api/chat/rooms/{room_id}/messages/";
const EXAMPLE_TEXTS = {
  400: "This field may not be blank.",
  401: "Authentication credentials were not provided.",
  403: "You do not have permission to perform this action.",
  404: "Not found.",
};

if (!base || !token || !roomId) {
  console.error("usage: node swagger-ui.mjs <base-url> <access-token> <room-id>");
  console.error(
    "   or: SWAGGER_UI_BASE=... SWAGGER_UI_TOKEN=... SWAGGER_UI_ROOM=... node swagger-ui.mjs",
  );
  process.exit(2);
}

/** A failed check: its message is the whole report, no stack trace needed. */
class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const key = (method, path) => `${method.toUpperCase()} ${path}`;

/** The block of one operation, whatever its tag. */
function operationBlock(method, path) {
  return page
    .locator(".swagger-ui .opblock")
    .filter({
      has: page.locator(
        `.opblock-summary-path[data-path="${path}"], .opblock-summary-path__deprecated[data-path="${path}"]`,
      ),
    })
    .filter({
      has: page.locator(".opblock-summary-method", { hasText: new RegExp(`^${method}$`, "i") }),
    })
    .first();
}

/** Opens an operation's block and turns "Try it out" on (the server may have done so). */
async function openForTrying(block) {
  await block.locator(".opblock-summary-control").click();
  await block.locator(".opblock-body").waitFor({ state: "visible" });
  const tryOut = block.locator("button.try-out__btn:not(.reset)");
  await tryOut.waitFor({ state: "visible" });
  if (!(await tryOut.getAttribute("class")).split(/\s+/).includes("cancel")) {
    await tryOut.click();
  }
}

/** The operations the server's own spec declares, keyed by "METHOD path". */
async function specOperations() {
  const url = `${base}/openapi.json`;
  const reply = await fetch(url);
  check(reply.ok, `GET ${url} answered ${reply.status}`);
  const spec = await reply.json();
  const operations = new Map();
  const deprecated = new Set();
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      if (!item[method]) continue;
      operations.set(key(method, path), item[method].operationId ?? "");
      if (item[method].deprecated) deprecated.add(key(method, path));
    }
  }
  check(operations.size > 0, `${url} declares no operations`);
  return { spec, operations, deprecated };
}

const log = [];
let browser;
let page;
let userDataDir;

// A hung browser must not hang the test that runs this script: give up well after every
// individual wait would have.
const watchdog = setTimeout(() => {
  console.error(`swagger-ui.mjs: still running after ${(timeout * 8) / 1000}s, giving up`);
  process.exit(1);
}, timeout * 8);
watchdog.unref();

try {
  const { spec, operations, deprecated } = await specOperations();
  check(
    spec.components?.securitySchemes?.[SCHEME]?.scheme === "bearer",
    `the spec has no http bearer security scheme named ${SCHEME}`,
  );
  check(operations.has(key(TRY_METHOD, TRY_PATH)), `the spec has no ${key(TRY_METHOD, TRY_PATH)}`);

  // A fresh profile each run, so nothing persisted (Swagger UI keeps the token in
  // localStorage) leaks from an earlier run. The flags keep Chromium off the network it
  // cannot reach here: without them it opens many refused connections at every start.
  userDataDir = mkdtempSync(join(tmpdir(), "swagger-ui-chromium-"));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    timeout,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 1000 },
  });
  browser.setDefaultTimeout(timeout);
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("pageerror", (error) => log.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") log.push(`console error: ${message.text()}`);
  });
  // Chromium's console names no URL for a failed load: these do.
  page.on("response", (response) => {
    if (response.status() >= 400) log.push(`${response.status()} for ${response.url()}`);
  });
  // Swagger UI reduces a network failure to "Failed to fetch"; Chromium knows the cause.
  page.on("requestfailed", (request) =>
    log.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
  );

  const docs = `${base}/docs/`;
  const reply = await page.goto(docs, { waitUntil: "domcontentloaded" });
  check(reply?.ok(), `GET ${docs} answered ${reply?.status()}`);

  // Swagger UI fetches the spec after the page loads; it either renders operations or an
  // error box ("Failed to load API definition").
  await page.waitForSelector(".swagger-ui .opblock, .swagger-ui .errors-wrapper", { timeout });
  const loadError = await page.locator(".swagger-ui .errors-wrapper").allInnerTexts();
  check(loadError.length === 0, `Swagger UI reports an error:\n${loadError.join("\n")}`);
  const title = await page.title();
  check(title.includes(spec.info.title), `the page's title is "${title}", not the API's`);
  const tagOrder = await page.locator(".opblock-tag-section .opblock-tag").evaluateAll((tags) =>
    tags.map((tag) => tag.getAttribute("data-tag")),
  );
  const specTags = (spec.tags ?? []).map((tag) => tag.name);
  check(
    JSON.stringify(tagOrder) === JSON.stringify(specTags),
    `the tags are shown as ${tagOrder.join(", ")}, the spec orders them ${specTags.join(", ")}`,
  );

  // With docExpansion "none" a tag's operations are not in the page until it is opened.
  for (const tag of await page.locator(".opblock-tag-section:not(.is-open) .opblock-tag").all()) {
    await tag.click();
  }
  // An operation with several tags is listed once per tag, so count distinct ones.
  const distinctRendered = () =>
    new Set(
      [...document.querySelectorAll(".swagger-ui .opblock")].map(
        (block) =>
          `${block.querySelector(".opblock-summary-method")?.textContent} ` +
          `${block.querySelector(".opblock-summary-path, .opblock-summary-path__deprecated")?.getAttribute("data-path")}`,
      ),
    ).size;
  await page
    .waitForFunction(`(${distinctRendered})() >= ${operations.size}`, null, { timeout })
    .catch(() => {}); // The comparison below names whatever is still missing.

  const rendered = await page.$$eval(".swagger-ui .opblock", (blocks) =>
    blocks.map((block) => ({
      method: block.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
      // A deprecated operation's path is struck through, under its own class.
      path:
        block
          .querySelector(".opblock-summary-path, .opblock-summary-path__deprecated")
          ?.getAttribute("data-path") ?? "",
      operationId: block.querySelector(".opblock-summary-operation-id")?.textContent?.trim() ?? "",
      deprecated: block.classList.contains("opblock-deprecated"),
    })),
  );
  const listed = new Map(rendered.map((op) => [key(op.method, op.path), op.operationId]));
  const missing = [...operations.keys()].filter((op) => !listed.has(op));
  const extra = [...listed.keys()].filter((op) => !operations.has(op));
  // displayOperationId is on, so each listed operation also names its operationId.
  const wrongId = [...operations]
    .filter(([op, id]) => listed.has(op) && id && listed.get(op) !== id)
    .map(([op, id]) => `${op}: spec says ${id}, UI shows ${listed.get(op) || "nothing"}`);
  // The spec's deprecated operations, and only those, are shown as deprecated.
  const shownDeprecated = new Set(
    rendered.filter((op) => op.deprecated).map((op) => key(op.method, op.path)),
  );
  const wrongDeprecation = [...operations.keys()]
    .filter((op) => listed.has(op) && deprecated.has(op) !== shownDeprecated.has(op))
    .map((op) => `${op}: spec ${deprecated.has(op)}, UI ${shownDeprecated.has(op)}`);
  check(
    missing.length === 0 &&
      extra.length === 0 &&
      wrongId.length === 0 &&
      wrongDeprecation.length === 0,
    [
      `Swagger UI's operations differ from the spec's (the UI lists ${listed.size}, ` +
        `the spec has ${operations.size}):`,
      ...missing.map((op) => `  missing from the UI: ${op}`),
      ...extra.map((op) => `  in the UI, not in the spec: ${op}`),
      ...wrongId.map((line) => `  operationId differs: ${line}`),
      ...wrongDeprecation.map((line) => `  deprecation differs: ${line}`),
    ].join("\n"),
  );

  // Authorize: the padlock button opens a dialog with one field per scheme.
  await page.locator(".scheme-container button.btn.authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.waitFor({ state: "visible" });
  // The scheme's own block: its heading names it, its field takes the token.
  const schemeSelector = `div:has(> h4 > code:text-is("${SCHEME}"))`;
  const scheme = dialog.locator(schemeSelector);
  await scheme.waitFor({ state: "visible" }).catch(() => {
    throw new CheckFailed(`the Authorize dialog has no ${SCHEME} entry`);
  });
  const heading = await scheme.locator("> h4").innerText();
  check(/http, Bearer/.test(heading), `${SCHEME} is not shown as http bearer: "${heading}"`);
  await scheme.locator("input").fill(token);
  await dialog
    .locator(".auth-container", { has: page.locator(schemeSelector) })
    .locator("button.authorize[type=submit]")
    .click();
  // Once accepted, the field turns into "Authorized" and the button into "Logout".
  await scheme.locator("h6", { hasText: "Authorized" }).waitFor({ state: "visible" });
  await dialog.locator("button.btn-done").first().click();
  await dialog.waitFor({ state: "detached" });
  await page.locator(".scheme-container button.btn.authorize.locked").waitFor({ state: "visible" });

  // Try it out on the operation: find its block by method and path, whatever its tag.
  const block = operationBlock(TRY_METHOD, TRY_PATH);
  await openForTrying(block);
  const sent = page.waitForRequest(
    (request) =>
      request.method() === TRY_METHOD.toUpperCase() && new URL(request.url()).pathname === TRY_PATH,
    { timeout },
  );
  await block.locator("button.execute").click();
  const request = await sent;
  const status = block.locator(".live-responses-table .response .response-col_status");
  await status.waitFor({ state: "visible" });
  const shown = (await status.innerText()).trim().split(/\s+/)[0];
  check(
    shown === "200",
    `${key(TRY_METHOD, TRY_PATH)} through Swagger UI: the UI shows status ${shown}, not 200`,
  );
  check(
    request.headers().authorization === `Bearer ${token}`,
    `${key(TRY_METHOD, TRY_PATH)} was sent without the token ` +
      `(Authorization: ${request.headers().authorization ?? "absent"})`,
  );
  const curl = await block.locator(".curl-command").innerText();
  check(
    curl.includes(`Authorization: Bearer ${token}`),
    `the curl command Swagger UI shows lacks "Authorization: Bearer <token>":\n${curl}`,
  );

  // Every documented error of sending a message shows an example of its own body.
  const sending = operationBlock("post", EXAMPLES_PATH);
  await sending.locator(".opblock-summary-control").click();
  await sending.locator(".responses-table").first().waitFor({ state: "visible" });
  for (const [status, text] of Object.entries(EXAMPLE_TEXTS)) {
    const row = sending.locator(`.responses-table tr.response[data-code="${status}"]`).first();
    const shownText = await row.innerText().catch(() => "");
    check(
      shownText.includes(text),
      `POST ${EXAMPLES_PATH}: the ${status} response does not show its example (${text}); ` +
        `it shows:\n${shownText}`,
    );
  }

  // "Try it out" on a WebSocket route: the browser sends a plain GET, the server answers
  // 400, and the page must say how to connect instead.
  const socket = operationBlock("get", SOCKET_PATH);
  await openForTrying(socket);
  await socket.locator('tr[data-param-name="room_id"] input').fill(String(roomId));
  await socket.locator("button.execute").click();
  const socketAnswer = socket.locator(".live-responses-table .response .response-col_description");
  await socketAnswer.waitFor({ state: "visible" });
  const explained = await socketAnswer.innerText();
  check(
    explained.includes("new WebSocket(") && explained.includes(`ws/chat/rooms/${roomId}/`),
    `"Try it out" on GET ${SOCKET_PATH} does not say how to connect:\n${explained}`,
  );

  // The description links the AsyncAPI page, which renders the socket's frames.
  const asyncapiLink = page.locator('.swagger-ui .info a[href="/docs/asyncapi/"]');
  check((await asyncapiLink.count()) > 0, "the API's description does not link /docs/asyncapi/");
  // Swagger UI opens description links in a new tab: follow it in this one.
  const asyncapiPage = `${base}/docs/asyncapi/`;
  const asyncapiReply = await page.goto(asyncapiPage, { waitUntil: "domcontentloaded" });
  check(asyncapiReply?.ok(), `GET ${asyncapiPage} answered ${asyncapiReply?.status()}`);
  const channel = page.getByText("/ws/chat/rooms/{room_id}/").first();
  await channel.waitFor({ state: "visible" }).catch(() => {
    throw new CheckFailed("the AsyncAPI page does not show the room channel");
  });
  const asyncapiText = await page.locator("body").innerText();
  const missingEvents = ["message.created", "member.removed", "resync"].filter(
    (event) => !asyncapiText.includes(event),
  );
  check(
    missingEvents.length === 0,
    `the AsyncAPI page does not show ${missingEvents.join(", ")}`,
  );

  console.log(
    `Swagger UI at ${docs} lists all ${operations.size} operations of the spec ` +
      `(${rendered.length} blocks across tags; ${deprecated.size} deprecated, shown so); ` +
      `authorized with ${SCHEME}; ${key(TRY_METHOD, TRY_PATH)} via "Try it out" → ${shown}, ` +
      `sent with Authorization: Bearer; POST ${EXAMPLES_PATH} shows an example for ` +
      `${Object.keys(EXAMPLE_TEXTS).join(", ")}; "Try it out" on GET ${SOCKET_PATH} says ` +
      `how to connect; /docs/asyncapi/ renders the channels and events`,
  );
  for (const line of log) console.log(line);
} catch (error) {
  console.error(
    `Swagger UI check failed: ${error instanceof CheckFailed ? error.message : error.stack}`,
  );
  for (const line of log) console.error(line);
  if (page) {
    try {
      mkdirSync(artifacts, { recursive: true });
      const shot = join(artifacts, `swagger-ui-failure-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout });
      console.error(`screenshot: ${shot}`);
    } catch (shotError) {
      console.error(`no screenshot: ${shotError.message}`);
    }
  }
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
}
