/**
 * Answers shaped like presto's (the node's HTTP framework): errors are plain text labelled
 * text/html (`RestApiResponse.error`), plain answers default to text/plain (`RestApiResponse.response`).
 */
import type { ServerResponse } from "node:http";

/** Errors as presto sends them: plain text labelled text/html (body may be empty). */
export function sendError(res: ServerResponse, status: number, body = ""): void {
  send(res, status, "text/html", body);
}

export function sendJson(res: ServerResponse, value: unknown, options: { pretty?: boolean } = {}): void {
  send(res, 200, "application/json", options.pretty === true ? JSON.stringify(value, null, 2) : JSON.stringify(value));
}

export function sendText(res: ServerResponse, body: string, contentType = "text/plain", status = 200): void {
  send(res, status, contentType, body);
}

/**
 * A body sent by a route itself (chronos' resp.sendBody) with no Content-Type set: chronos labels a
 * non-empty one `text/html; charset=utf-8`.
 */
export function sendBodyOnly(res: ServerResponse, status: number, body: string): void {
  send(res, status, "text/html; charset=utf-8", body);
}

/** No body and no Content-Type (chronos adds one only to a body): presto's unknown-route 404, a preflight's 204. */
export function sendNoContent(res: ServerResponse, status: number): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, status === 204 ? {} : { "content-length": 0 });
  res.end();
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
