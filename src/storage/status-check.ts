import { abortedError } from "./abort-error.js";
import { fileStatus, type FileStatus } from "./availability/file-status.js";
import { startedContext, stoppedUnjournaled, type ClientSession } from "./client-session.js";
import { decodeReference, type ReferenceInput } from "./reference-codec.js";
import { linkedSignal } from "./retry/index.js";

/**
 * A file's status (see StorageClient.status). A probe asks the endpoints, so it is linked to the
 * client's stop signal like every other call that goes out: stop() ends one waiting on a node that
 * does not answer (E_CLIENT_CLOSED) and lets it settle before it returns, rather than leave its
 * request open until the backend's timeout.
 */
export async function checkStatus(session: ClientSession, reference: ReferenceInput, options: { probe?: boolean; signal?: AbortSignal } | null): Promise<FileStatus> {
  const ctx = startedContext(session);
  const { view } = decodeReference(reference, session.protocol);
  // null from a JavaScript caller means no options, as undefined does (not a raw TypeError).
  const { probe, signal } = options ?? {};
  if (probe !== true) return fileStatus(ctx, view, false, signal);
  const link = linkedSignal([session.stopController.signal, signal], undefined, "status probe");
  const probing = fileStatus(ctx, view, true, link.signal)
    .catch((error: unknown) => {
      if (!link.signal.aborted) throw error;
      // Said as the signal's reason: a backend reports any abort as its own E_ABORTED, the stop's included.
      throw session.stopController.signal.aborted ? stoppedUnjournaled("a status probe", error) : abortedError(link.signal.reason, "status probe");
    })
    .finally(() => link.dispose());
  const settled = probing.then(
    () => undefined,
    () => undefined,
  );
  session.probes.add(settled);
  void settled.finally(() => session.probes.delete(settled));
  return probing;
}
