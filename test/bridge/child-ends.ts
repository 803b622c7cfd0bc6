import { expect } from "vitest";
import { runScript } from "../support/script-child.js";

/**
 * Runs a child script that must end by itself (it never calls process.exit: a timer, socket or
 * server left armed would hold it, and runScript's SIGTERM at 30 s then fails the test) with
 * nothing on stderr; resolves its last stdout line, parsed as JSON.
 */
export async function reportOfChildEndingByItself(script: string): Promise<unknown> {
  const result = await runScript(script, [], 30_000);
  expect(result.stderr).toBe("");
  expect(result.signal).toBeNull();
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "");
}
