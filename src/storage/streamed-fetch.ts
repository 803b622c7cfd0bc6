import type { FileReference } from "../wire/index.js";
import type { ClientContext } from "./client-context.js";
import { startedContext, stoppedUnjournaled, type ClientSession } from "./client-session.js";
import { closableStream } from "./download/closable-stream.js";
import { checkReceivable } from "./download/run-download.js";
import { slottedStream } from "./download/slotted-stream.js";
import { asStorageError } from "./job-errors.js";
import { failedWhere } from "./job-machine.js";
import { planOfReference } from "./piece-plan.js";
import { decodeReference, type ReferenceInput } from "./reference-codec.js";
import { linkedSignal } from "./retry/index.js";
import type { Slots } from "./slots.js";

/** A reference's verified plaintext as a stream, checked at once; see StorageClient.fetchStream. */
export function fetchAsStream(session: ClientSession, reference: ReferenceInput, options: { signal?: AbortSignal }): AsyncGenerator<Buffer, void, undefined> {
  const ctx = startedContext(session);
  const { view } = decodeReference(reference, session.protocol);
  checkReceivable(ctx, view);
  planOfReference(view, ctx.maxPieceBytes);
  // A consumer that leaves (return(), a destroyed Readable) aborts the piece still on its way.
  return closableStream((closed) => guardedStream(session, ctx, view, [options.signal, closed]));
}

async function* guardedStream(session: ClientSession, ctx: ClientContext, view: FileReference, signals: (AbortSignal | undefined)[]): AsyncGenerator<Buffer, void, undefined> {
  const link = linkedSignal([session.stopController.signal, ...signals], ctx.policy.deadlineMs, "streamed fetch", ctx.timers);
  // Aborted (the client stopped, the caller gave up), its deadline timer goes at once: a consumer
  // holding a chunk that never reads on must not keep a stopped client's process alive.
  link.signal.addEventListener("abort", () => link.dispose(), { once: true });
  try {
    // A paused stream gives its slot up to a waiting one after pausedStreamYieldMs (slottedStream).
    for await (const part of slottedStream(ctx, view, link.signal, session.streamSlots as Slots, ctx.policy.pausedStreamYieldMs, session.memory as Slots)) {
      // The deadline is the transfer's: time the consumer holds the stream (a paused video) does not count.
      link.pause();
      try {
        yield part;
      } finally {
        link.resume();
      }
    }
  } catch (error) {
    const typed = asStorageError(error);
    // A failed transfer is a warn line, as a failed job's is (JobMachine), though a stream has no journal row:
    // before, a piece failing verification mid-stream told only the consumer. Its leaving or its signal, and a stop, are no failure.
    if (!session.stopController.signal.aborted && !signals.some((signal) => signal?.aborted === true)) {
      session.log.warn({ kind: "stream", state: "failed", code: typed.code, ...failedWhere(typed) }, "streamed fetch failed");
    }
    throw typed.code === "E_CLIENT_CLOSED" && session.stopController.signal.aborted ? stoppedUnjournaled("a streamed fetch", typed) : typed;
  } finally {
    link.dispose();
  }
}
