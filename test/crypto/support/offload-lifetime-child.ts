/**
 * Child for sha256-offload-lifetime.test.ts: hashes on the worker and never closes it, so the
 * process ends only if the worker does not hold it; while a hash is pending nothing else holds it.
 * Then closes it while an answer is on its way: the close must finish (not end the process under it).
 */
import { createHash } from "node:crypto";
import { Sha256Offload } from "../../../src/crypto/index.js";

const offload = new Sha256Offload(1);
const bytes = new Uint8Array(new SharedArrayBuffer(4 << 20)).fill(7);
const oneShot = await offload.digest(bytes);
const running = offload.running(bytes.byteLength);
await running.update(bytes.subarray(0, 1000));
await running.update(bytes.subarray(1000));
const fed = await running.digest();
const expected = createHash("sha256").update(bytes).digest("hex");
// Closed while an answer is still on its way (a stopped job's hash): the close must still finish.
const late = offload.running(bytes.byteLength);
await late.update(bytes.subarray(0, 1));
late.dispose();
await offload.close();
process.stdout.write(`${JSON.stringify({ oneShot: oneShot.toString("hex") === expected, running: fed.toString("hex") === expected, closed: true })}\n`);
