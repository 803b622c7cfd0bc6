import type { FileReference } from "../../wire/index.js";
import { throwIfAborted } from "../abort-error.js";
import type { ClientContext } from "../client-context.js";
import type { Slots } from "../slots.js";
import { streamFile, streamStart } from "./stream-file.js";

const WAITING = "streamed fetch (waiting for a stream slot)";

/**
 * streamFile under the client's stream slots. A stream holds a slot while it reads; while its
 * consumer holds a chunk (a paused video) it offers the slot, and once paused `yieldAfterMs` while
 * another stream waits it gives it up with its read-ahead buffers (its window is closed, so the
 * memory the slots bound is freed too). Read again, it waits for a slot and goes on from the next
 * chunk, fetching that piece again. So a paused stream never holds the others up longer than
 * `yieldAfterMs`, and a stream paused with nobody waiting keeps what it read ahead.
 */
export async function* slottedStream(
  ctx: ClientContext,
  view: FileReference,
  signal: AbortSignal,
  slots: Slots,
  yieldAfterMs: number,
): AsyncGenerator<Buffer, void, undefined> {
  const at = streamStart();
  let release: (() => void) | undefined;
  let source: AsyncGenerator<Buffer, void, undefined> | undefined;
  try {
    for (;;) {
      release = await slots.acquire(signal, WAITING);
      source = streamFile(ctx, view, signal, at);
      for (;;) {
        const step = await source.next();
        if (step.done === true) return;
        // Fired while the consumer held the last chunk (a closed viewer, a stopped client): chunks
        // read ahead are not handed out after it, nor does the stream end as if it had finished.
        throwIfAborted(signal, "streamed fetch");
        const held = release;
        const reading = source;
        const offer = slots.offer(yieldAfterMs, async () => {
          // Closing the window settles its fetches and gives its buffers back before the slot goes.
          await reading.return().catch(() => undefined);
          held();
        });
        let lost: boolean;
        try {
          yield step.value;
        } finally {
          lost = await offer.withdraw();
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
