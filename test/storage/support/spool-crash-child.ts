/**
 * Shares bytes and SIGKILLs itself while they are still being written to the spool directory (as
 * soon as the spool's temp file appears): what an app killed right after "send" leaves behind.
 * Usage: node --import tsx spool-crash-child.ts <workdir>
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { openChildClient } from "./spool-child.js";

const work = process.argv[2] as string;
const { client, spool } = await openChildClient(work);
client.share({ bytes: randomBytes(48 * 1024 * 1024), fileName: "video.mp4" });
const watch = (): void => {
  let names: string[] = [];
  try {
    names = readdirSync(spool);
  } catch {
    // not made yet
  }
  if (names.some((n) => n.endsWith(".part"))) process.kill(process.pid, "SIGKILL");
  else setImmediate(watch);
};
watch();
