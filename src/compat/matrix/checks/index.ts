import type { MatrixCheck } from "../matrix-types.js";
import { descriptionBridgeCheck } from "./description-bridge.js";
import { fileTransferCheck } from "./file-transfer.js";
import { negotiationCheck } from "./negotiation.js";
import { stateUpgradeCheck } from "./state-upgrade.js";
import { staticSchemaCheck } from "./static-schema.js";
import { wireForwardCheck } from "./wire-forward.js";
import { wireReadCheck } from "./wire-read.js";

/** Every column of the matrix, in display order. */
export const MATRIX_CHECKS: readonly MatrixCheck[] = [
  staticSchemaCheck,
  negotiationCheck,
  wireReadCheck,
  wireForwardCheck,
  stateUpgradeCheck,
  fileTransferCheck,
  descriptionBridgeCheck,
];
