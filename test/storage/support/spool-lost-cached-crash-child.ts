/**
 * Leaves what an app killed right after "send" leaves when the bytes it shares are a file it
 * received before: a share of bytes journaled (queued, reading its spool file, which was never
 * written) while the cache holds a received file of exactly those bytes. share() journals the row
 * before it returns and looks at the cache only later, off the caller's turn, so a SIGKILL right
 * after it comes before that look, without timing. The bytes go to `<work>/bytes.bin`.
 * Usage: node spool-lost-cached-crash-child.js <workdir>
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openChildClient } from "./spool-child.js";

const work = process.argv[2] as string;
const { client } = await openChildClient(work);
const bytes = randomBytes(3 * 1024 * 1024 + 5);
const source = join(work, "sent.bin");
writeFileSync(source, bytes);
writeFileSync(join(work, "bytes.bin"), bytes);
const { reference } = await client.share({ path: source }).done;
await client.fetch(reference).done;
client.share({ bytes, fileName: "again.bin" });
process.kill(process.pid, "SIGKILL");
