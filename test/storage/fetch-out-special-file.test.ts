/**
 * A download ends by renaming its verified temp file onto `out`, which replaces whatever is there.
 * A named pipe (a reader waiting on it: `mkfifo p; player < p`) or a device (`--out /dev/null` as
 * root in a container) is not a file to replace: the rename destroyed the pipe or the device node
 * (the reader waited for ever; /dev/null became a regular file for every process). Such an `out`
 * is refused before anything is fetched, and left as it was.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { startClient } from "./support/client-fixture.js";

/** A started client, the reference of a file it shared, and an empty folder to fetch into. */
async function shared(): Promise<{ client: Awaited<ReturnType<typeof startClient>>["client"]; reference: Uint8Array; dir: string }> {
  const setup = await startClient();
  writeFileSync(join(setup.dir, "source.bin"), randomBytes(100 * 1024));
  const { reference } = await setup.client.share({ path: join(setup.dir, "source.bin") }).done;
  const dir = join(setup.dir, "out");
  mkdirSync(dir);
  return { client: setup.client, reference, dir };
}

describe("a fetch to a named pipe", () => {
  test("fails E_LOCAL_IO saying it is a pipe, before any piece is fetched; the pipe stays a pipe", async () => {
    const { client, reference, dir } = await shared();
    const out = join(dir, "player.fifo");
    execFileSync("mkfifo", [out]);
    const job = client.fetch(reference, { out });
    const error = (await job.done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("E_LOCAL_IO");
    expect(error.message).toContain(`${out} is a pipe`);
    expect(job.progress.piecesDone).toBe(0);
    expect(lstatSync(out).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(["player.fifo"]);
  });

  test("reached through a symbolic link (the link a tool made to it): refused the same way, the link kept", async () => {
    const { client, reference, dir } = await shared();
    execFileSync("mkfifo", [join(dir, "player.fifo")]);
    const out = join(dir, "stdout");
    symlinkSync(join(dir, "player.fifo"), out);
    const error = (await client.fetch(reference, { out }).done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("E_LOCAL_IO");
    expect(error.message).toContain("is a pipe");
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, "player.fifo")).isFIFO()).toBe(true);
  });
});
