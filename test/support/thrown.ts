/** What `run` threw, or undefined when it returned: for asserting on a synchronous refusal's class and fields. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
