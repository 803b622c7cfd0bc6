/**
 * Holding the single-pass read path to the reflection path (test/wire/single-pass.property.test.ts
 * and the fuzzer). For any input:
 * - the single pass alone either declines (undefined) or returns exactly the reflection path's view,
 *   and it declines whenever the reflection path throws;
 * - the public function (single pass, else reflection) gives the same view as the reflection path,
 *   or a WireError with the same code and the same `details.field`.
 */
import { isDeepStrictEqual } from "node:util";
import { codecContext } from "../../../src/wire/codec-context.js";
import { openEnvelopeReflected } from "../../../src/wire/envelope.js";
import {
  MAX_WAKU_ENVELOPE_BYTES,
  WireError,
  decodePayload,
  openEnvelope,
  type PayloadKind,
  type ReaderWindow,
} from "../../../src/wire/index.js";
import { decodePayloadReflected, defaultMaxBytes } from "../../../src/wire/payload-codec.js";
import { schemaFor } from "../../../src/wire/schema-registry.js";
import { readEnvelope, readPayload } from "../../../src/wire/single-pass/index.js";

type Outcome = { readonly value: unknown } | { readonly error: WireError };

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (err) {
    if (err instanceof WireError) return { error: err };
    throw err;
  }
}

/** Thrown on any disagreement: not a WireError, so the fuzzer reports it as a failure. */
export class DecoderDisagreement extends Error {
  override readonly name = "DecoderDisagreement";
}

function describeOutcome(o: Outcome): string {
  return "error" in o ? `${o.error.code} (${String(o.error.details.field ?? "")})` : "a view";
}

/**
 * Runs the three and checks they agree; returns the reflection path's view or throws its WireError
 * (so a caller counting error codes sees them), or throws DecoderDisagreement.
 */
export function agree(what: string, reflected: () => unknown, singlePass: (() => unknown) | undefined, production: () => unknown): unknown {
  const reference = outcome(reflected);
  if (singlePass !== undefined) {
    const fast = singlePass();
    if (fast !== undefined && !("value" in reference && isDeepStrictEqual(fast, reference.value))) {
      throw new DecoderDisagreement(`${what}: the single pass read a view where the reflection path gave ${describeOutcome(reference)}`);
    }
  }
  const actual = outcome(production);
  const same =
    "value" in reference
      ? "value" in actual && isDeepStrictEqual(actual.value, reference.value)
      : "error" in actual && actual.error.code === reference.error.code && actual.error.details.field === reference.error.details.field;
  if (!same) throw new DecoderDisagreement(`${what}: ${describeOutcome(actual)}, the reflection path ${describeOutcome(reference)}`);
  if ("error" in reference) throw reference.error;
  return reference.value;
}

/** openEnvelope against its reflection path (the single pass alone only on input it would be given: plain, capped, not empty). */
export function agreeOnEnvelope(bytes: Uint8Array, reader: ReaderWindow): unknown {
  const capped = bytes.length > 0 && bytes.length <= MAX_WAKU_ENVELOPE_BYTES;
  const schema = schemaFor(reader.max);
  return agree(
    `openEnvelope [${reader.min},${reader.max}]`,
    () => openEnvelopeReflected(bytes, reader),
    capped && schema !== undefined ? () => readEnvelope(bytes, reader, schema) : undefined,
    () => openEnvelope(bytes, reader),
  );
}

/** decodePayload against its reflection path. */
export function agreeOnPayload(kind: PayloadKind, bytes: Uint8Array, written: number, reader: number): unknown {
  const capped = bytes.length > 0 && bytes.length <= defaultMaxBytes(kind);
  const schema = schemaFor(reader);
  return agree(
    `decode ${kind} w${written}/r${reader}`,
    () => decodePayloadReflected(kind, bytes, { written, reader }),
    capped && schema !== undefined ? () => readPayload(kind, bytes, codecContext(schema, written)) : undefined,
    () => decodePayload(kind, bytes, { written, reader }),
  );
}

/** The single pass alone, for tests that require it to read (not decline) valid input. */
export function singlePassPayload(kind: PayloadKind, bytes: Uint8Array, written: number, reader: number): unknown {
  return readPayload(kind, bytes, codecContext(schemaFor(reader)!, written));
}

export function singlePassEnvelope(bytes: Uint8Array, reader: ReaderWindow): unknown {
  return readEnvelope(bytes, reader, schemaFor(reader.max)!);
}
