/**
 * The package's one entry (package.json "exports": "." is dist/src/index.js, built from
 * src/index.ts) is what Status releases embed, and every name in it is a promise the next release
 * keeps. It re-exported each layer's index whole, and the storage and state indexes also serve the
 * CLI and the other layers: durable folder making and syncing, the OS lock file and the owner lock
 * of work folders, and the journal peeks the CLI makes before a client starts (which take a raw
 * SQLite handle). All of that was public API. (The phrases of library messages that name retry(),
 * which the CLI swaps for its own words, are public on purpose: docs/storage.md offers them to
 * other front ends.)
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, test } from "vitest";
import type {
  AnyJob,
  CodexBackend,
  CodexDataItem,
  CodexManifest,
  CodexSpaceInfo,
  EndpointOrder,
  FetchResult,
  FetchStreamOptions,
  ForeignKeyDescription,
  IndexDescription,
  inspectState,
  InspectStateOptions,
  inspectStateWaiting,
  InspectStateWaitingOptions,
  JobKind,
  QueryCheck,
  QueryRandom,
  RenewDueOptions,
  ShareResult,
  StateInspection,
  StatusOptions,
  StorageClient,
  StorageClientOptions,
  TableDescription,
  TransferJob,
} from "../src/index.js";
import { PROJECT_ROOT } from "./support/cli.js";

/** What the storage and state indexes export for the CLI and the other layers only, and why. */
const INSIDE_ONLY: Readonly<Record<string, string>> = {
  makeDirectoryDurably: "the CLI makes its home as the client makes its folders",
  syncDirectory: "src/fs, for the client's and the CLI's durable writes",
  syncDirectorySync: "src/fs, for the client's and the CLI's durable writes",
  pendingDownloadsTo: "the CLI's look at the journal (a raw database handle) before its client starts",
  pendingUploadsOf: "the CLI's look at the journal (a raw database handle) before its client starts",
  retriableUploadsOf: "the CLI's look at the journal (a raw database handle) before its client starts",
  LockFile: "the OS lock the state, the storage client and the CLI hold files with",
  OWNER_LOCK: "the name of the lock inside a rehearsal's or a copy's work folder",
  removeAbandonedFolders: "the clean-up of work folders whose owner died, for upgrade",
  clientLockPathOf: "where a storage client's hold on a state file is",
  truncateWal: "the storage client empties the state's -wal after it forgets ended jobs (their keys); an app's own connections are its own",
  withoutBusyWait: "the storage client's best-effort writes (the endpoint failure memory) fail at once on a busy state instead of waiting on the main thread",
  requireSqliteModule: "the CLI's check, before a command touches anything, that better-sqlite3's native part loads (an app meets E_STATE_SQLITE_UNAVAILABLE from openState or the client's start)",
  isBusy: "tells the storage client's best-effort writes that the state was busy (try later), not refused",
  workFolderRoomText: "the words of upgrade's refusal of a work folder too small, which the CLI says of the folder the user gave",
  PendingDownload: "the row pendingDownloadsTo gives the CLI",
  PendingUpload: "the row pendingUploadsOf gives the CLI",
  communityRows: "the bridge's receiver keeps the clock it holds per community in these rows; an app reads descriptions through the receiver",
  CommunityRow: "the row communityRows gives the bridge's receiver",
  CommunityRows: "what communityRows gives the bridge's receiver",
  PointerRow: "the pointer row communityRows gives the bridge's receiver",
  RefusedRow: "a held row the bridge's publisher verified as not its community key's, which communityRows' replaceCommunity / replacePointer take",
  raceAbort: "a promise or a signal's reason, for the bridge's transports; an app races its own promises",
  resolveRetryPolicy: "checks the retry fields the bridge's receiver is given as the storage client checks its own; an app passes those fields to either",
  linkedSignal: "the bridge's receiver times its fetch's attempts and deadline with it, on its BridgeClock; an app times its own calls",
  LinkedSignal: "what linkedSignal gives the bridge's receiver",
  TimerPort: "the time and timers linkedSignal runs on, which the bridge's BridgeClock (in the entry) has the shape of",
};

const read = (file: string): string => readFileSync(join(PROJECT_ROOT, file), "utf8");

/**
 * The names a module's source exports as types only (`export type { A, B }`, `export { x, type C }`,
 * `export interface D`, `export type E =`): Object.keys of the module cannot see them.
 */
function typeExportsOf(file: string): string[] {
  const source = read(file);
  const names: string[] = [];
  for (const [, typeOnly, list] of source.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const item of (list as string).split(",").map((part) => part.trim()).filter(Boolean)) {
      const asType = /^type\s+/.test(item);
      if (typeOnly === undefined && !asType) continue;
      const name = item.replace(/^type\s+/, "").split(/\s+as\s+/).pop() as string;
      names.push(name);
    }
  }
  for (const [, name] of source.matchAll(/^export (?:interface|type) (\w+)/gm)) names.push(name as string);
  return names;
}

describe("the package's public entry", () => {
  test("exports none of the storage and state helpers that are there for the CLI and the other layers", async () => {
    const entry = Object.keys(await import("../src/index.js"));
    expect(entry.filter((name) => name in INSIDE_ONLY)).toEqual([]);
  });

  const layerIndex = (layer: "storage" | "state" | "bridge"): Promise<Record<string, unknown>> =>
    layer === "storage" ? import("../src/storage/index.js") : layer === "state" ? import("../src/state/index.js") : import("../src/bridge/index.js");

  // The bridge is what an app embeds to propagate descriptions, and package.json exports only the
  // entry: with the bridge left out of it, an app could not reach DescriptionPublisher at all.
  test.each(["storage", "state", "bridge"] as const)("every value the %s index exports is either in the entry or placed inside on purpose (a new one needs that decision)", async (layer) => {
    const entry = new Set(Object.keys(await import("../src/index.js")));
    const layerExports = Object.keys(await layerIndex(layer));
    const unplaced = layerExports.filter((name) => !entry.has(name) && !(name in INSIDE_ONLY));
    expect(unplaced, "add each to src/index.ts (public API) or to INSIDE_ONLY here with the reason").toEqual([]);
    // A name placed inside that the layer no longer exports is a stale entry of the list above.
    const placedHere = Object.keys(INSIDE_ONLY).filter((name) => read(`src/${layer}/index.ts`).includes(name));
    const layerTypes = typeExportsOf(`src/${layer}/index.ts`);
    expect(placedHere.filter((name) => !layerExports.includes(name) && !layerTypes.includes(name))).toEqual([]);
  });

  test.each(["storage", "state", "bridge"] as const)("every type the %s index exports is either in the entry or placed inside on purpose", (layer) => {
    // An app that passes inspectState's options, or keeps a job's handle, needs their types by name:
    // InspectStateOptions was in the state index and missing from the entry.
    const entry = new Set(typeExportsOf("src/index.ts"));
    // A layer the entry re-exports whole (`export * from "./bridge/index.js"`) gives it every type it has.
    const whole = new Set([...read("src/index.ts").matchAll(/^export \* from "\.\/(\w+)\/index\.js";/gm)].map((m) => m[1]));
    const unplaced = whole.has(layer) ? [] : typeExportsOf(`src/${layer}/index.ts`).filter((name) => !entry.has(name) && !(name in INSIDE_ONLY));
    expect(unplaced, "add each to src/index.ts (public API) or to INSIDE_ONLY here with the reason").toEqual([]);
  });

  test("the types the entry's functions and classes take and give are exported by name (a type-check: test/typecheck.test.ts fails on a missing one)", () => {
    expectTypeOf<ReturnType<StorageClient["job"]>>().toEqualTypeOf<AnyJob>();
    expectTypeOf<ReturnType<StorageClient["retry"]>>().toEqualTypeOf<AnyJob>();
    expectTypeOf<StorageClientOptions["endpointOrder"]>().toEqualTypeOf<EndpointOrder | undefined>();
    expectTypeOf<Parameters<typeof inspectState>[2]>().toEqualTypeOf<InspectStateOptions | undefined>();
    // An app checking its state at start (the Status app) wants the call that waits for a held file
    // with the event loop free: inspectStateWaiting was in the state index only, out of an app's reach.
    expectTypeOf<Parameters<typeof inspectStateWaiting>[2]>().toEqualTypeOf<InspectStateWaitingOptions | undefined>();
    expectTypeOf<ReturnType<typeof inspectStateWaiting>>().toEqualTypeOf<Promise<StateInspection>>();
    expectTypeOf<ReturnType<CodexBackend["manifest"]>>().toEqualTypeOf<Promise<CodexDataItem>>();
    expectTypeOf<CodexDataItem["manifest"]>().toEqualTypeOf<CodexManifest>();
    expectTypeOf<ReturnType<CodexBackend["space"]>>().toEqualTypeOf<Promise<CodexSpaceInfo>>();
    expectTypeOf<TableDescription["indexes"]>().toEqualTypeOf<readonly IndexDescription[]>();
    expectTypeOf<TableDescription["foreignKeys"]>().toEqualTypeOf<readonly ForeignKeyDescription[]>();
    // An app wrapping the client (a service of its own with the same calls) names their options: status's,
    // fetchStream's and renewDue's were written out in the signatures, with no name to import.
    expectTypeOf<Parameters<StorageClient["status"]>[1]>().toEqualTypeOf<StatusOptions | undefined>();
    expectTypeOf<Parameters<StorageClient["fetchStream"]>[1]>().toEqualTypeOf<FetchStreamOptions | undefined>();
    expectTypeOf<Parameters<StorageClient["renewDue"]>[0]>().toEqualTypeOf<RenewDueOptions | undefined>();
    // An app or CI writing a release query of its own names its check's random source (it was the unexported SeededRandom class).
    expectTypeOf<Parameters<QueryCheck["run"]>[1]>().toEqualTypeOf<QueryRandom>();
  });

  test("a job of a mixed list narrows by its kind: an upload's done is a ShareResult, a download's a FetchResult, with no cast (a type-check)", () => {
    // job(id) and retry(id) give either kind; docs/storage.md's restart example had to test "reference" in the result.
    const narrowed = (job: AnyJob): void => {
      if (job.kind === "upload") expectTypeOf(job.done).toEqualTypeOf<Promise<ShareResult>>();
      else expectTypeOf(job.done).toEqualTypeOf<Promise<FetchResult>>();
    };
    expectTypeOf(narrowed).toBeFunction();
    // What apps wrote before still holds: share()'s and fetch()'s handles are TransferJob<ShareResult> / <FetchResult>, and AnyJob's members.
    expectTypeOf<ReturnType<StorageClient["share"]>>().toMatchTypeOf<TransferJob<ShareResult>>();
    expectTypeOf<ReturnType<StorageClient["fetch"]>>().toMatchTypeOf<TransferJob<FetchResult>>();
    expectTypeOf<ReturnType<StorageClient["share"]>>().toMatchTypeOf<AnyJob>();
    expectTypeOf<NonNullable<ReturnType<StorageClient["pendingDownloadTo"]>>>().toMatchTypeOf<AnyJob>();
    expectTypeOf<AnyJob["kind"]>().toEqualTypeOf<JobKind>();
  });

  test("the retry() phrases docs/storage.md offers to front ends of their own are in it", async () => {
    const entry = Object.keys(await import("../src/index.js"));
    const offered = /The library's words are exported \(([^)]*)\)/.exec(read("docs/storage.md").replace(/\s+/g, " "))?.[1] ?? "";
    const names = [...offered.matchAll(/`(\w+)`/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !entry.includes(name))).toEqual([]);
  });

  test("every package the sources import is a dependency, and so are the type declarations of one whose types they import and that has none of its own", () => {
    // The built .d.ts files import the types the sources import (state.db is a better-sqlite3
    // Database): with @types/better-sqlite3 a devDependency, an app installing the package got TS7016
    // in dist/src/state/open-state.d.ts under skipLibCheck: false, and an untyped (any) state.db with it.
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
    const installed = { ...pkg.dependencies, ...pkg.optionalDependencies };
    const packageOf = (specifier: string): string => (specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] as string));
    const imported = new Set<string>();
    const typesImported = new Set<string>();
    for (const file of readdirSync(join(PROJECT_ROOT, "src"), { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".ts"))) {
      const source = read(join("src", file));
      for (const [statement, specifier] of [...source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms), ...source.matchAll(/\bimport\("([^"]+)"\)/g)]) {
        if ((specifier as string).startsWith(".") || (specifier as string).startsWith("node:")) continue;
        imported.add(packageOf(specifier as string));
        if (/^(?:import|export) type\b|[{,]\s*type\s/.test(statement)) typesImported.add(packageOf(specifier as string));
      }
    }
    expect(imported.has("better-sqlite3") && typesImported.has("better-sqlite3")).toBe(true);
    expect([...imported].filter((name) => !(name in installed))).toEqual([]);
    /** Its own declarations: a types/typings/typesVersions field, or a .d.ts beside its main file, as TypeScript finds them. */
    const ownTypes = (name: string): boolean => {
      const manifest = JSON.parse(read(join("node_modules", name, "package.json"))) as Record<string, unknown>;
      if (/"(types|typings|typesVersions)"\s*:/.test(JSON.stringify(manifest))) return true;
      const main = typeof manifest["main"] === "string" ? manifest["main"] : "index.js";
      return existsSync(join(PROJECT_ROOT, "node_modules", name, main.replace(/\.[cm]?js$/, "") + ".d.ts"));
    };
    const typesPackage = (name: string): string => `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`;
    expect([...typesImported].filter((name) => !ownTypes(name) && !(typesPackage(name) in installed)).map(typesPackage)).toEqual([]);
  });

  test("what package.json exports is the build of src/index.ts, and nothing else", () => {
    const pkg = JSON.parse(read("package.json")) as { main: string; types: string; exports: Record<string, unknown> };
    expect(pkg.exports).toEqual({ ".": { types: "./dist/src/index.d.ts", default: "./dist/src/index.js" } });
    expect(pkg.main).toBe("dist/src/index.js");
    expect(pkg.types).toBe("dist/src/index.d.ts");
  });
});

/** The codes of an error class's `…Code` union, read from its source (a type has no runtime list). */
function codesOf(file: string, union: string): string[] {
  const source = read(file);
  const start = source.indexOf(`export type ${union}`);
  const end = source.indexOf(";", start);
  expect(start, `${union} in ${file}`).toBeGreaterThanOrEqual(0);
  return [...source.slice(start, end).matchAll(/"(E_[A-Z0-9_]+)"/g)].map((m) => m[1] as string);
}

describe("every error code of an error class the entry exports is documented on its layer's page", () => {
  const classes = [
    ["WireError", "src/wire/wire-error.ts", "WireErrorCode", "docs/wire.md"],
    ["NegotiationError", "src/negotiate/negotiation-error.ts", "NegotiationErrorCode", "docs/wire.md"],
    ["VersionError", "src/versions/version-error.ts", "VersionErrorCode", "docs/wire.md"],
    ["StateError", "src/state/state-error.ts", "StateErrorCode", "docs/state.md"],
    ["StorageError", "src/storage/storage-error.ts", "StorageErrorCode", "docs/storage.md"],
    ["BridgeError", "src/bridge/bridge-error.ts", "BridgeErrorCode", "docs/bridge.md"],
  ] as const;

  test("those are the error classes the entry exports", async () => {
    const entry = (await import("../src/index.js")) as Record<string, unknown>;
    const errorClasses = Object.keys(entry).filter((name) => /^[A-Z]\w*Error$/.test(name) && name !== "CompatError" && typeof entry[name] === "function");
    expect(errorClasses.sort()).toEqual(classes.map(([name]) => name).sort());
  });

  test.each(classes)("%s: each code is named in %s's union and on its page", (_name, file, union, doc) => {
    const codes = codesOf(file, union);
    expect(codes.length).toBeGreaterThan(0);
    const page = read(doc);
    expect(codes.filter((code) => !page.includes(`\`${code}\``))).toEqual([]);
  });
});
