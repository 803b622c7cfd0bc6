/**
 * status(ref, options) and renewDue(options) read their options' fields without looking at the
 * options first: a JavaScript caller passing null for "no options" (as c8a8ede found for
 * chooseWriteVersion) got a raw TypeError ("Cannot read properties of null (reading 'probe')"),
 * not the file's status or the run's report. null now means no options, as undefined does.
 */
import { describe, expect, test } from "vitest";
import { startClient, writeRandomFile, KiB } from "./support/client-fixture.js";

describe("status() and renewDue() with null options", () => {
  test("answer as with no options", async () => {
    const { client, dir } = await startClient();
    const shared = await client.share({ path: writeRandomFile(dir, "a.bin", 10 * KiB).path }).done;
    const noOptions = null as unknown as undefined;
    expect(await client.status(shared.reference, noOptions)).toEqual(await client.status(shared.reference));
    expect(await client.renewDue(noOptions)).toEqual({ renewed: [], failed: [] });
  });
});
