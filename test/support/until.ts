/**
 * Looks at `check` every `everyMs` until it holds; after `tries` looks (5 s by default) throws,
 * naming `what` it waited for.
 */
export async function until(check: () => boolean, what: string, { tries = 500, everyMs = 10 }: { tries?: number; everyMs?: number } = {}): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
