// The usage text of `schema check`, apart from the command (schema-check.ts), so that its --help loads this
// and not the compat layer (the schema checks and every layer it brings) (bench/RESULTS.md, cli).

export const SCHEMA_CHECK_USAGE = `status-compat schema check --old DIR --new DIR [options]
status-compat schema check --from N --to M [--root DIR] [options]
status-compat schema check --all [--root DIR] [options]

Checks that the newer schema folder can be used by release N+1 while release N uses the older one,
both ways: buf breaking with its WIRE and WIRE_JSON rules, plus the project's own rules (removed
fields and enum values reserved by number and name, unchanged package, @required fields present on
both sides, no payload message dropped before it is @retired, no signedness change). With --all,
or --from/--to more than one version apart, every adjacent pair is checked and then the chain
rules across all versions (a field number never comes back with another meaning).
A version missing between two (v1 and v3 without v2) is refused (exit 2): the adjacent pairs
cannot be checked across the gap.

Modes (exactly one):
  --old DIR --new DIR   compare two schema folders
  --from N --to M       the project's proto/status/storage/vN folders (N < M; M > N+1 checks the chain)
  --all                 every vN folder in order, adjacent pairs plus the chain rules

Options:
  --root DIR    folder holding vN folders (default: this package's proto/status/storage)
  --json        one JSON document on stdout: ok, pairs, chain, counts, findings
                (each finding: rule, source, severity, between, scope, file, line, symbol, field, message)
  --strict      warnings fail the check too
  --buf PATH    buf binary to run (default: STATUS_COMPAT_BUF, else the one bundled by @bufbuild/buf)

Exit: 0 no breaking change, 1 breaking change found, 2 usage error, missing buf, or unreadable schema,
130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP; buf is stopped too)`;
