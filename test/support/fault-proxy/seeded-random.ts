// The fault proxy replays a fault sequence from its seed with the memory transport's generator (one mulberry32 in the project).
export { seededRandom } from "../../../src/bridge/transports/seeded-random.js";
