import type Database from "better-sqlite3";
import { LEVEL1_SQL } from "../../state/index.js";
import type { EndpointPool } from "./endpoint-pool.js";

/** How a client orders its endpoints (StorageClientOptions.endpointOrder). */
export type EndpointOrder = "spread" | "listed";

/**
 * The settings key of the installation's seed for its endpoint order. A settings row, not a schema
 * change: a release before it never reads the key, a later one reads the same seed.
 */
export const ENDPOINT_ORDER_SEED_KEY = "endpoint_order_seed";

/**
 * Orders the pool as `order` says: `listed` keeps the list's order, `spread` (the default) gives
 * the endpoints after the first `keepFirst` this installation's own order (EndpointPool.spread),
 * from a seed kept in the state database so it is the same every session.
 */
export function applyEndpointOrder(pool: EndpointPool, order: EndpointOrder | undefined, db: Database.Database, random: () => number, keepFirst: number): void {
  if (order !== undefined && order !== "spread" && order !== "listed") {
    throw new RangeError(`endpointOrder must be "spread" or "listed", not ${JSON.stringify(order)}`);
  }
  if (order === "listed" || pool.size - keepFirst < 2) return;
  pool.spread(endpointOrderSeed(db, random), keepFirst);
}

/** The seed kept in the state database; made from `random` and saved on the first start that needs it. */
function endpointOrderSeed(db: Database.Database, random: () => number): string {
  const kept = db.prepare(LEVEL1_SQL.getSetting).pluck().get(ENDPOINT_ORDER_SEED_KEY);
  if (typeof kept === "string" && kept !== "") return kept;
  let seed = "";
  for (let i = 0; i < 4; i++) seed += Math.floor(random() * 2 ** 32).toString(16).padStart(8, "0");
  db.prepare(LEVEL1_SQL.upsertSetting).run({ key: ENDPOINT_ORDER_SEED_KEY, value: seed });
  return seed;
}
