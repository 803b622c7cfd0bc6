import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { CliIo } from "../command.js";
import { LockFile } from "../../state/index.js";
import { StorageError } from "../../storage/index.js";
import { CommandInterrupted } from "../interrupts.js";

/** Held by one `file` command for its whole run; `release` is idempotent. */
export interface HomeLock {
  release(): void;
}

const POLL_MS = 100;

/**
 * Waits until no other `file` command runs on `home`, then holds it. A starting storage client
 * resumes every unfinished job in the journal, so a second command on the same home would run the
 * first one's live job alongside it (twice the uploads, two writers of one temp file, one process
 * marking done what the other still runs). The lock is a `LockFile` (`cli.lock`): the OS drops it
 * when the holder dies (SIGKILL included), so a crashed command never blocks the next one, and a
 * job it left is then resumed as designed. (The client's own lock would refuse such a command;
 * this one makes it wait instead.) A signal stops the wait (CommandInterrupted), holding nothing.
 */
export async function lockHome(command: string, home: string, io: CliIo, signal?: AbortSignal): Promise<HomeLock> {
  const path = join(home, "cli.lock");
  const refused = (what: string, error: unknown, advice = ""): StorageError =>
    // The disk refusing (read-only, permissions) is E_LOCAL_IO, exit 5, as for the store and the state.
    new StorageError("E_LOCAL_IO", `${command}: ${what} ${path} (${(error as Error).message})${advice}`, {
      cause: error,
      details: { code: (error as { code?: unknown }).code },
    });
  let lock: LockFile;
  try {
    lock = LockFile.open(path);
  } catch (error) {
    throw refused("cannot create the lock", error, "; the home directory must be writable");
  }
  let told = false;
  try {
    for (;;) {
      let held: boolean;
      try {
        held = lock.tryTake();
      } catch (error) {
        throw refused("cannot take the lock", error);
      }
      if (held) break;
      if (!told) io.stderr.write(`status-compat ${command}: another status-compat file command is using ${home}; waiting for it to finish\n`);
      told = true;
      await sleep(POLL_MS, undefined, { signal }).catch(() => {
        throw new CommandInterrupted(signal?.reason as NodeJS.Signals);
      });
    }
  } catch (error) {
    lock.release();
    throw error;
  }
  return { release: () => lock.release() };
}
