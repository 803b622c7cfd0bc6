// Preloaded (node --import) into a CLI child: the matrix's storage column becomes a check that, on
// the last pair's newer-to-older row, never settles and ignores its abort signal while a timer of
// its keeps the event loop alive, as a storage check whose client job hangs and holds its sockets
// would. Every other row passes at once.
import { MATRIX_CHECKS, type MatrixCheck } from "../../../src/compat/index.js";
import { releaseTable } from "../../../src/versions/index.js";

const deaf: MatrixCheck = {
  column: "storage",
  proves: "a stand-in that ignores its signal on one row",
  async run({ direction, pair }) {
    if (direction === "newer-to-older" && pair.newer.release === releaseTable.newest.release) {
      process.stderr.write("deaf check: holding on\n");
      return new Promise<never>(() => void setInterval(() => undefined, 1_000));
    }
    return { status: "pass", detail: "ok" };
  },
};

const checks = MATRIX_CHECKS as MatrixCheck[];
checks.splice(checks.findIndex((c) => c.column === "storage"), 1, deaf);
