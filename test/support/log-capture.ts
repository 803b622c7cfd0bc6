import { Writable } from "node:stream";

/** A logger destination that keeps everything written to it, for tests that read the log back. */
export class LogCapture extends Writable {
  /** Everything written so far, as written. */
  text = "";

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }

  /** The JSON lines written so far, parsed. */
  lines(): Array<Record<string, unknown>> {
    return this.text
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
