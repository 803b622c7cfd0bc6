import Database from "better-sqlite3";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { CliIo } from "../command.js";
import { StorageError } from "../../storage/index.js";

/** Held by one `file` command for its whole run; `release` is idempotent. */
export interface HomeLock {
  release(): void;
}

const POLL_MS = 100;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * Waits until no other `file` command runs on `home`, then holds it. A starting storage client
 * resumes every unfinished job in the journal, so a second command on the same home would run the
 * first one's live job alongside it (twice the uploads, two writers of one temp file, one process
 * marking done what the other still runs). The lock is an exclusive transaction on a sidecar
 * SQLite file: the OS drops it when the holder dies (SIGKILL included), so a crashed command never
 * blocks the next one, and a job it left is then resumed as designed.
 */
export async function lockHome(command: string, home: string, io: CliIo): Promise<HomeLock> {
  const path = join(home, "cli.lock");
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (error) {
    // The disk refusing (read-only, permissions) is E_LOCAL_IO, exit 5, as for the store and the state.
    throw new StorageError("E_LOCAL_IO", `${command}: cannot create the lock ${path} (${(error as Error).message}); the home directory must be writable`, {
      cause: error,
      details: { code: (error as { code?: unknown }).code },
    });
  }
  let told = false;
  try {
    for (;;) {
      try {
        // Nothing is ever written to it; a memory journal keeps a -journal file from appearing.
        db.pragma("journal_mode = MEMORY");
        db.exec("BEGIN EXCLUSIVE");
        break;
      } catch (error) {
        if (!isBusy(error)) {
          throw new StorageError("E_LOCAL_IO", `${command}: cannot take the lock ${path} (${(error as Error).message})`, {
            cause: error,
            details: { code: (error as { code?: unknown }).code },
          });
        }
      }
      if (!told) io.stderr.write(`status-compat ${command}: another status-compat file command is using ${home}; waiting for it to finish\n`);
      told = true;
      await sleep(POLL_MS);
    }
  } catch (error) {
    db.close();
    throw error;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        db.exec("ROLLBACK");
      } finally {
        db.close();
      }
    },
  };
}
