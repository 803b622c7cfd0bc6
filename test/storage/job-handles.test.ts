import { describe, expect, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";

describe("job handles by id", () => {
  test("a fetch served from the cache is a live job like any other: job(id) gives its handle and cancel(id) cancels it while it is checked", async () => {
    const { client } = await startClient();
    const { reference } = await client.share({ bytes: Buffer.alloc(300 * KiB, 7), fileName: "photo.jpg" }).done;
    await client.fetch(reference).done;

    const hit = client.fetch(reference);
    expect(client.job(hit.id)).toBe(hit);
    client.cancel(hit.id);
    await expect(hit.done).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(hit.state).toBe("cancelled");

    const served = client.fetch(reference);
    expect(client.job(served.id)).toBe(served);
    expect(await served.done).toMatchObject({ fromCache: true });
  });
});
