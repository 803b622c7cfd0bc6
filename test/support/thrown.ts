/** What `run` threw, or undefined when it returned: for asserting on a synchronous refusal's class and fields. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** What `run` threw or rejected with, or undefined when it returned or resolved: the same for a call that may fail either way. */
export async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}
