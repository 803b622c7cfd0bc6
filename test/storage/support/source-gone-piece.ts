import { rmSync } from "node:fs";
import type { StorageClientOptions } from "../../../src/storage/index.js";
import { tempDir } from "../../support/temp-dir.js";
import { KiB, startClient, writeRandomFile, type ClientSetup } from "./client-fixture.js";

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A renewal interval (6 h) and a minute: the next network read of a piece is due. */
export const NEXT_INTERVAL = 6 * HOUR + MINUTE;

/**
 * The renewal network-read scenario: a client on a test clock (from 2026-01-01) shared a 10 KiB
 * photo (one piece) whose file the user then deleted, so only a read from the network can renew it.
 * `clock.t` is still the time of the share (`start`); a test moves it past the expiry (`start + 31 * DAY`).
 */
export async function sharedThenSourceGone(options: Partial<StorageClientOptions>): Promise<
  ClientSetup & { readonly clock: { t: number }; readonly start: number; readonly cid: string; readonly reference: Uint8Array; readonly options: Partial<StorageClientOptions> & { dir: string } }
> {
  const dir = tempDir();
  const clock = { t: Date.UTC(2026, 0, 1) };
  const all = { dir, clock: { now: () => clock.t }, ...options };
  const setup = await startClient(all);
  const photo = writeRandomFile(dir, "photo.jpg", 10 * KiB);
  const shared = await setup.client.share({ path: photo.path }).done;
  rmSync(photo.path);
  return { ...setup, clock, start: clock.t, cid: shared.view.pieces[0]?.cid as string, reference: shared.reference, options: all };
}
