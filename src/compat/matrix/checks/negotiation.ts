import { chooseWriteVersion, groupAudience, peerAudience } from "../../../negotiate/index.js";
import { MATRIX_COLUMN_PROVES } from "../matrix-constants.js";
import type { MatrixCheck } from "../matrix-types.js";
import { kindsWritten, readsKind } from "../payload-kinds-of.js";

/** The writer, told the reader's range, picks a version the reader opens (or, for a kind the reader lacks, knows it will show the fallback). */
export const negotiationCheck: MatrixCheck = {
  column: "negotiate",
  proves: MATRIX_COLUMN_PROVES.negotiate,
  async run({ writer, reader }) {
    const problems: string[] = [];
    const notes: string[] = [];
    for (const payload of kindsWritten(writer)) {
      for (const [label, audience] of [
        ["1:1", peerAudience(reader.window)],
        ["group", groupAudience([reader.window, writer.window, undefined])],
      ] as const) {
        const choice = chooseWriteVersion(writer.window, audience, { payload, release: writer.release });
        const opens = choice.minReader <= reader.window.max && choice.version >= reader.window.min;
        if (readsKind(reader, payload)) {
          if (!opens) problems.push(`${payload} (${label}): v${choice.version}/min ${choice.minReader} is not readable by [${reader.window.min},${reader.window.max}]`);
        } else if (opens || choice.unreached === 0 || choice.fallbackText.length === 0) {
          problems.push(`${payload} (${label}): reader lacks the kind but the choice does not flag it for the fallback`);
        } else if (label === "1:1") {
          notes.push(`${payload}→fallback`);
        }
      }
    }
    if (problems.length > 0) return { status: "fail", detail: problems.join("; ") };
    const kinds = kindsWritten(writer).length;
    return { status: "pass", detail: `${kinds} payload kinds, 1:1 and group${notes.length > 0 ? `; ${notes.join(", ")}` : ""}` };
  },
};
