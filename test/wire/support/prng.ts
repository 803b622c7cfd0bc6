// The wire fuzzers' generator: the project's one mulberry32 (the same sequence for the same seed on every machine).
export { seededRandom as prng } from "../../../src/bridge/transports/seeded-random.js";
