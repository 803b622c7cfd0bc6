/**
 * A child process for test/bridge/publisher-republish.test.ts: a control node on the system clock
 * with the default republish interval publishes once and is never closed. It must end by itself:
 * the periodic republish's one timer does not hold a process (or an app's test run) open.
 */
import { DescriptionPublisher } from "../../src/bridge/publisher.js";
import { MemoryNetwork } from "../../src/bridge/transports/memory.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { profileForRelease } from "../../src/versions/index.js";

const network = new MemoryNetwork();
const publisher = new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: network.transport(), secretKey: newSecretKey() });
const report = await publisher.publish(new TextEncoder().encode("a community description"), 1);
await network.settled();
process.stdout.write(`${JSON.stringify({ clock: report.clock, wholeMessages: report.wholeMessages })}\n`);
