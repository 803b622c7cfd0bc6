/**
 * Every migration of the state database, in order. A static list rather than a directory glob:
 * it loads the same from TypeScript sources and from compiled `dist/migrations/`, and survives
 * bundling into an app. A test checks this list against the files in this folder.
 *
 * To add one: create `NNNN_levelL_words.ts` exporting `migration`, append it here.
 */
import type { MigrationDefinition } from "../src/state/migration-definition.js";
import { migration as m0001 } from "./0001_level1_waku_only.js";
import { migration as m0002 } from "./0002_level2_dual_path.js";
import { migration as m0003 } from "./0003_level3_codex_first.js";

export const migrations: readonly MigrationDefinition[] = [m0001, m0002, m0003];
