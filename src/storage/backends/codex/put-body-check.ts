import * as putBody from "../../put-body.js";
import type { StorageError } from "../../storage-error.js";
import type { CallContext } from "./http-status-error.js";

/** The shared refusal of a body that yielded something other than bytes (put-body.ts), named as a Codex put. */
export function notBytes(chunk: unknown, ctx: CallContext): StorageError {
  return putBody.notBytes(chunk, `put to Codex node ${ctx.location}`, { method: ctx.method, path: ctx.path });
}

/** The shared refusal of a put handed neither bytes nor an async iterable of them (put-body.ts), named as a Codex put. */
export function notABody(body: unknown, ctx: CallContext): StorageError {
  return putBody.notABody(body, `put to Codex node ${ctx.location}`, { method: ctx.method, path: ctx.path });
}

/** The shared refusal of a one-shot body an earlier put took, or a spent stream (put-body.ts), named as a Codex put; undefined: taken. */
export function usedUpBody(body: AsyncIterable<Uint8Array>, ctx: CallContext): StorageError | undefined {
  return putBody.takeBody(body, `put to Codex node ${ctx.location}`, { method: ctx.method, path: ctx.path });
}
