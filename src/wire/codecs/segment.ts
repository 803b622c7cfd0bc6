import { bytesField } from "../raw-codec.js";
import type { MessageCodec } from "../codec-context.js";
import { checkBytesExact, checkBytesRequired, checkUint } from "../field-checks.js";
import { MAX_SEGMENTS, SHA256_BYTES } from "../limits.js";
import type { Segment } from "../messages.js";

const M = "Segment";

function check(v: Segment): void {
  checkBytesExact(v.entireMessageHash, SHA256_BYTES, M, "entireMessageHash");
  checkUint(v.segmentsCount, 1, MAX_SEGMENTS, M, "segmentsCount");
  // index 0 is the first segment: proto3 cannot tell it from "unset", so only the range is checked.
  checkUint(v.index, 0, v.segmentsCount - 1, M, "index");
  checkBytesRequired(v.payload, M, "payload");
}

export const segmentCodec: MessageCodec<Segment> = {
  message: M,
  toView(pb) {
    const view: Segment = {
      entireMessageHash: bytesField(pb.entireMessageHash),
      index: pb.index as number,
      segmentsCount: pb.segmentsCount as number,
      payload: bytesField(pb.payload),
    };
    check(view);
    return view;
  },
  toPb(view) {
    check(view);
    return {
      entireMessageHash: view.entireMessageHash,
      index: view.index,
      segmentsCount: view.segmentsCount,
      payload: view.payload,
    };
  },
};
