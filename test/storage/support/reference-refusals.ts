import { join } from "node:path";
import { expect } from "vitest";
import type { ReferenceInput, StorageClient } from "../../../src/storage/index.js";

export interface ReferenceRefusal {
  readonly code: unknown;
  readonly message: string;
  readonly details: unknown;
}

/**
 * How fetch(), fetchStream() and status() each refuse `input` as a reference (all three must), and
 * that nothing was journaled: the three calls that read a reference refuse it alike.
 */
export async function referenceRefusals(client: StorageClient, dir: string, input: unknown): Promise<ReferenceRefusal[]> {
  const jobsBefore = client.jobs().length;
  const errors: unknown[] = [];
  try {
    client.fetch(input as ReferenceInput, { out: join(dir, "out.bin") });
  } catch (error) {
    errors.push(error);
  }
  try {
    client.fetchStream(input as ReferenceInput);
  } catch (error) {
    errors.push(error);
  }
  await client.status(input as ReferenceInput).catch((error: unknown) => errors.push(error));
  expect(errors).toHaveLength(3);
  expect(client.jobs().length).toBe(jobsBefore);
  return errors.map((error) => ({
    code: (error as { code?: unknown }).code,
    message: String((error as Error).message),
    details: (error as { details?: unknown }).details,
  }));
}
