import type { FileHandle } from "node:fs/promises";

/**
 * What identifies a shared file's content without reading it. An upload records it before it seals
 * anything, and a resumed run refuses a file whose identity moved: a piece stored just before a
 * crash but not journaled is sealed again under the same key and nonces, and sealing other bytes
 * under them is what AES-GCM must never see.
 */
export interface SourceIdentity {
  /** `device:inode:size:mtime-ns`: the format every release records and compares (frozen). */
  readonly stable: string;
  /**
   * The inode's change time (ns). An in-place edit moves it even when the editor puts mtime back
   * (`touch -r`, `exiftool -P`, sync tools), and no user call can set it. Recorded beside
   * `stable`, under a key of its own that earlier releases ignore.
   */
  readonly ctimeNs: string;
}

/** An identity as the journal has it: an upload an earlier release began has no change time. */
export interface RecordedIdentity {
  readonly stable: string;
  readonly ctimeNs: string | undefined;
}

export async function sourceIdentity(handle: FileHandle): Promise<SourceIdentity> {
  const st = await handle.stat({ bigint: true });
  return { stable: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`, ctimeNs: String(st.ctimeNs) };
}

/** Whether the file is as recorded; a recorded identity without a change time is compared without it. */
export function sameSource(recorded: RecordedIdentity, now: SourceIdentity): boolean {
  return recorded.stable === now.stable && (recorded.ctimeNs === undefined || recorded.ctimeNs === now.ctimeNs);
}
