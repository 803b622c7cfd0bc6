import { DEFAULT_FIXTURE_SEED, MAX_FIXTURE_SEED } from "../../state/fixture/fixture-seed.js";

// The usage text of `state fixture`, apart from the command (state-fixture.ts), so that its --help loads this
// and not the state layer (SQLite, umzug) and the fixture writer, for the one constant it shows (the default seed) (bench/RESULTS.md, cli).

export const STATE_FIXTURE_USAGE = `status-compat state fixture --release RELEASE --rows N --out FILE [--seed S] [--json]

Creates FILE through the real migrations at RELEASE's state level and fills it with N rows spread
over that level's tables, Status-sized: 132-character 0x04 public keys, Codex CIDs (z...),
32-byte hashes, upload/download journals with pieces. The same seed gives the same data.
FILE must not exist (a folder there, or a missing folder on its path, is a usage error, exit 2);
it appears only once complete.

Options:
  --release RELEASE   e.g. 0.1.0 (resolved through the release table)
  --rows N            total rows (underscores allowed: 1_000_000)
  --out FILE          where to write
  --seed S            0 to ${MAX_FIXTURE_SEED} (default ${DEFAULT_FIXTURE_SEED})
  --json              summary as JSON

Exit: 0 ok, 2 usage, 3 bad release string, 4 state error (e.g. FILE exists),
130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP; nothing is left of FILE)`;
