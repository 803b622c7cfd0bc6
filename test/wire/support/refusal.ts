import { WireError } from "../../../src/wire/index.js";

/** The WireError `fn` throws, for assertions on its code and details; fails the test if it throws nothing or something else. */
export function refusal(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireError) return err;
    throw err;
  }
  throw new Error("not refused");
}
