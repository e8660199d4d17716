// Swagger UI at /docs/, on the server's own /openapi.json. Beyond Swagger UI's defaults: the
// token given to "Authorize" survives reloads, operation ids show (they are the SDKs' method
// names), and "Try it out" on a WebSocket route explains how to connect instead of showing the
// 400 a plain GET gets.
window.onload = function () {
  // The last Authorization header sent, to put the caller's own token in the socket URL.
  let lastAuthorization = null;

  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    displayOperationId: true,
    tryItOutEnabled: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    requestInterceptor: (request) => {
      lastAuthorization = request.headers && request.headers.Authorization;
      return request;
    },
    responseInterceptor: (response) => explainWebSocketRoutes(response, lastAuthorization),
  });
};

/// A plain GET on a /ws/ route is refused with 400 (no Upgrade header): Swagger UI cannot open
/// a socket, so the answer says how to, with this route's URL.
function explainWebSocketRoutes(response, authorization) {
  const url = new URL(response.url, window.location.href);
  const refused = response.status === 400 && url.pathname.startsWith("/ws/");
  const detail = response.body && response.body.detail;
  if (!refused || typeof detail !== "string" || !detail.includes("WebSocket handshake")) {
    return response;
  }
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const token = authorization ? authorization.replace(/^Bearer\s+/i, "") : "<access token>";
  url.searchParams.set("token", token);
  const socketUrl = url.toString().replace(/%3C/g, "<").replace(/%3E/g, ">");
  const body = {
    detail,
    how_to_connect:
      "This route is a WebSocket: Swagger UI sends plain HTTP requests, so the server answered " +
      "400. Open the socket with a WebSocket client instead, for example in this page's " +
      `browser console: const ws = new WebSocket("${socketUrl}"); ` +
      "ws.onmessage = (e) => console.log(JSON.parse(e.data)); " +
      `or in a terminal: npx wscat -c "${socketUrl}". ` +
      "Every frame is described at /docs/asyncapi/ (asyncapi.yaml).",
  };
  response.body = body;
  response.obj = body;
  response.data = JSON.stringify(body, null, 2);
  response.text = response.data;
  return response;
}
