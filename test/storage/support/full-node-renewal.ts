import { createHash } from "node:crypto";
import type { StorageBackend } from "../../../src/storage/backend.js";
import type { StorageClient } from "../../../src/storage/index.js";
import { StorageError } from "../../../src/storage/storage-error.js";
import { KiB, writeRandomFile } from "./client-fixture.js";
import type { InstrumentedBackend } from "./instrumented-backend.js";

export const DAY = 24 * 60 * 60 * 1000;

export function digest(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Shares one 10 KiB photo per name (one piece each), the clock moved a day before each after the
 * first, so the due pieces come in this order; gives each one's piece CID and reference.
 */
export async function sharePhotos(client: StorageClient, dir: string, clock: { t: number }, names: readonly string[]): Promise<{ cid: string; reference: Uint8Array; path: string }[]> {
  const shared = [];
  for (const [i, name] of names.entries()) {
    if (i > 0) clock.t += DAY;
    const { path } = writeRandomFile(dir, name, 10 * KiB);
    const { view, reference } = await client.share({ path }).done;
    shared.push({ cid: view.pieces[0]?.cid as string, reference, path });
  }
  return shared;
}

/** A Codex node whose storage is full: it refuses (E_QUOTA_EXCEEDED) every put but those of the pieces it holds, by sha256. */
export function fullUnlessHeld(node: InstrumentedBackend, name: string, held: readonly string[] = []): void {
  node.beforePut = (bytes) => {
    if (!held.includes(digest(bytes))) throw new StorageError("E_QUOTA_EXCEEDED", `Codex node ${name} could not store the upload: the node's storage is full`);
  };
}

/** Stores `cid`'s piece on `to` as well (it had it from another client); gives the piece's sha256. */
export async function copyPiece(from: StorageBackend, to: StorageBackend, cid: string): Promise<string> {
  const { body } = await from.get(cid);
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  const bytes = Buffer.concat(parts);
  if ((await to.put(bytes)) !== cid) throw new Error(`copying ${cid} gave another CID`);
  return digest(bytes);
}
