import type { CodecContext } from "../codec-context.js";
import type { MessageName } from "../schema-registry.js";

/**
 * What a single-pass reader does with a field some versions lack, the same as the reflection path:
 * - SKIP: the reader's schema lacks it, so it is an unknown field (any wire type);
 * - READ: the reader's schema has it, so it is read as its type (and must be well formed), but the
 *   writer's version lacks it, so the view leaves it out (a version 3 reader of version 2 bytes);
 * - VIEW: read and put in the view.
 */
export const SKIP = 0;
export const READ = 1;
export const VIEW = 2;
export type FieldUse = typeof SKIP | typeof READ | typeof VIEW;

/** The version-dependent fields of every payload message, for one (reader schema, written version). */
export interface ReadPlan {
  readonly pieceIndex: FieldUse;
  readonly pieceOffset: FieldUse;
  readonly uploadedAt: FieldUse;
  readonly expiresAt: FieldUse;
  readonly thumbnail: FieldUse;
  readonly supersedesClock: FieldUse;
  readonly supersedesCid: FieldUse;
}

function use(ctx: CodecContext, message: MessageName, field: string): FieldUse {
  if (!ctx.schema.hasField(message, field)) return SKIP;
  return ctx.has(message, field) ? VIEW : READ;
}

const plans = new WeakMap<CodecContext, ReadPlan>();

/** The plan of `ctx` (memoized per context, which is itself memoized). */
export function readPlanOf(ctx: CodecContext): ReadPlan {
  let plan = plans.get(ctx);
  if (plan === undefined) {
    plan = Object.freeze({
      pieceIndex: use(ctx, "Piece", "index"),
      pieceOffset: use(ctx, "Piece", "offset"),
      uploadedAt: use(ctx, "FileReference", "uploadedAt"),
      expiresAt: use(ctx, "FileReference", "expiresAt"),
      thumbnail: use(ctx, "InlineAttachment", "thumbnail"),
      supersedesClock: use(ctx, "CommunityDescriptionPointer", "supersedesClock"),
      supersedesCid: use(ctx, "CommunityDescriptionPointer", "supersedesCid"),
    });
    plans.set(ctx, plan);
  }
  return plan;
}
