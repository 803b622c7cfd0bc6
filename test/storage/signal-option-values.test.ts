/**
 * fetchStream(), status() and renewDue() take `{ signal }`. Given the AbortController itself rather
 * than its signal (the likeliest slip), or anything else, they failed with Node's raw TypeError
 * "parent.addEventListener is not a function" (status and renewDue at once, a stream at its first
 * read), naming no option; and status({ probe: "true" }) (a settings file's text) did not probe,
 * without a word. Each is refused at the call, E_UNSUPPORTED naming the option.
 */
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { thrown } from "../support/thrown.js";
import { startClient } from "./support/client-fixture.js";

async function sharedFile() {
  const { client } = await startClient();
  const { reference } = await client.share({ bytes: Buffer.from("a small file"), fileName: "a.txt" }).done;
  return { client, reference };
}

function expectRefused(error: unknown, method: string, option: string, what: RegExp): void {
  expect(error).toBeInstanceOf(StorageError);
  expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option } });
  expect((error as Error).message).toMatch(new RegExp(`^${method}\\(\\) option ${option} must be ${what.source}`));
}

describe("a signal that is no AbortSignal", () => {
  test("the AbortController itself: each method says to pass its signal, and does nothing", async () => {
    const { client, reference } = await sharedFile();
    const controller = new AbortController();
    const pass = /an AbortSignal, not an AbortController: pass its signal \(controller\.signal\)$/;
    expectRefused(thrown(() => client.fetchStream(reference, { signal: controller as unknown as AbortSignal })), "fetchStream", "signal", pass);
    expectRefused(await client.status(reference, { probe: true, signal: controller as unknown as AbortSignal }).catch((e: unknown) => e), "status", "signal", pass);
    expectRefused(await client.renewDue({ signal: controller as unknown as AbortSignal }).catch((e: unknown) => e), "renewDue", "signal", pass);
  });

  test.each([["a string", "x", /an AbortSignal \(controller\.signal\), not the string "x"$/], ["an object", {}, /an AbortSignal \(controller\.signal\), not an object$/]])(
    "%s is refused naming it",
    async (_label, signal, what) => {
      const { client, reference } = await sharedFile();
      expectRefused(await client.status(reference, { signal: signal as unknown as AbortSignal }).catch((e: unknown) => e), "status", "signal", what);
    },
  );

  test("a real signal and undefined are taken", async () => {
    const { client, reference } = await sharedFile();
    const chunks: Buffer[] = [];
    for await (const chunk of client.fetchStream(reference, { signal: new AbortController().signal })) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe("a small file");
    await expect(client.status(reference, { probe: true, signal: undefined })).resolves.toMatchObject({ state: "available", missingPieces: 0 });
  });
});

describe("status()'s probe", () => {
  test("text for probe is refused, not read as false", async () => {
    const { client, reference } = await sharedFile();
    expectRefused(await client.status(reference, { probe: "true" as unknown as boolean }).catch((e: unknown) => e), "status", "probe", /true or false, not the string "true"$/);
    await expect(client.status(reference, { probe: false })).resolves.toMatchObject({ state: "available" });
  });
});
