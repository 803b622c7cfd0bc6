import type { FileReference } from "../../wire/index.js";
import { throwIfAborted } from "../abort-error.js";
import type { ClientContext } from "../client-context.js";
import type { Slots } from "../slots.js";
import { streamMemoryBytes } from "../transfer-memory.js";
import { streamFile, streamStart } from "./stream-file.js";

const WAITING = "streamed fetch (waiting for a stream slot)";
const WAITING_MEMORY = "streamed fetch (waiting for transfer memory)";

/**
 * streamFile under the client's stream slots. A stream holds a slot while it reads; while its
 * consumer holds a chunk (a paused video) it offers the slot, and once paused `yieldAfterMs` while
 * another stream waits it gives it up with its read-ahead buffers (its window is closed, so the
 * memory the slots bound is freed too). Read again, it waits for a slot and goes on from the next
 * chunk, fetching that piece again. So a paused stream never holds the others up longer than
 * `yieldAfterMs`, and a stream paused with nobody waiting keeps what it read ahead. Its window's
 * buffers come out of the client's transfer `memory` (taken with the slot, given back with it), and
 * a paused stream gives both up as well when a transfer waits for memory.
 */
export async function* slottedStream(
  ctx: ClientContext,
  view: FileReference,
  signal: AbortSignal,
  slots: Slots,
  yieldAfterMs: number,
  memory: Slots,
): AsyncGenerator<Buffer, void, undefined> {
  const at = streamStart();
  const bytes = streamMemoryBytes(view, ctx.maxPieceBytes, ctx.piecesInFlight);
  let release: (() => void) | undefined;
  let source: AsyncGenerator<Buffer, void, undefined> | undefined;
  try {
    for (;;) {
      release = await slotAndMemory(slots, memory, bytes, signal);
      source = streamFile(ctx, view, signal, at);
      for (;;) {
        const step = await source.next();
        if (step.done === true) return;
        // Fired while the consumer held the last chunk (a closed viewer, a stopped client): chunks
        // read ahead are not handed out after it, nor does the stream end as if it had finished.
        throwIfAborted(signal, "streamed fetch");
        const held = release;
        const reading = source;
        let gaveUp: Promise<void> | undefined;
        // Once, whichever bound asks first (a stream waiting for a slot, a transfer waiting for memory).
        const giveUp = (): Promise<void> =>
          (gaveUp ??= (async () => {
            // Closing the window settles its fetches and gives its buffers back before the slot and memory go.
            await reading.return().catch(() => undefined);
            held();
          })());
        const offers = [slots.offer(yieldAfterMs, giveUp), memory.offer(yieldAfterMs, giveUp)];
        let lost: boolean;
        try {
          yield step.value;
        } finally {
          lost = (await Promise.all(offers.map((o) => o.withdraw()))).includes(true);
        }
        if (lost) break;
      }
      release = undefined;
      source = undefined;
    }
  } finally {
    await source?.return();
    release?.();
  }
}

/** A stream slot, then the stream's transfer memory; one function gives both back. */
async function slotAndMemory(slots: Slots, memory: Slots, bytes: number, signal: AbortSignal): Promise<() => void> {
  const slot = await slots.acquire(signal, WAITING);
  let taken: () => void;
  try {
    taken = await memory.acquire(signal, WAITING_MEMORY, bytes);
  } catch (error) {
    slot();
    throw error;
  }
  return () => {
    taken();
    slot();
  };
}
