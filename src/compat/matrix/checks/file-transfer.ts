import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chooseAttachment, chooseWriteVersion, INLINE_ATTACHMENT_MAX_BYTES, NegotiationError, peerAudience, type AttachmentChoice } from "../../../negotiate/index.js";
import { createLocalBackend, type StorageBackend, type StorageClient } from "../../../storage/index.js";
import { encodePayloadEnvelope, isWireError, openEnvelope, type FileReference, type Payload } from "../../../wire/index.js";
import type { ProtocolProfile } from "../../../versions/index.js";
import { MATRIX_COLUMN_PROVES } from "../matrix-constants.js";
import type { DirectionContext, MatrixCheck } from "../matrix-types.js";
import { promisedToOpen } from "../payload-kinds-of.js";
import { CheckClients } from "./check-clients.js";
import { releaseSwitch, SwitchFailure } from "./release-switch.js";

/** Two files: one small enough to travel inline, one pieced through storage (3 pieces of 1 MiB from the writer). */
const FILES = [
  { name: "note.txt", size: 20 * 1024 },
  { name: "video.mp4", size: 2 * 1024 * 1024 + 512 * 1024 + 7 },
] as const;

/**
 * The writer's and the reader's own chunk and piece sizes, deliberately not the same: a release may
 * choose others than its neighbour, and the reader must follow the reference. With one size on
 * both sides, a reader that planned a download by its own chunk size passed this cell.
 */
const SIZES = {
  writer: { chunkSize: 16 * 1024, pieceSize: 1024 * 1024 },
  reader: { chunkSize: 64 * 1024, pieceSize: 512 * 1024 },
} as const;

/** `size` bytes, the same for the same seed (sha512 blocks of seed and counter): content a check can compare byte for byte. */
export function fileBytes(size: number, seed: string): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let offset = 0, round = 0; offset < size; round++) {
    const block = createHash("sha512").update(`${seed}/${round}`).digest();
    offset += block.copy(out, offset, 0, Math.min(block.length, size - offset));
  }
  return out;
}

/**
 * The writer sends each file as it would to this reader (inline, or a FileReference through its
 * StorageClient), wrapped in a negotiated envelope; the reader opens the envelope and, for a
 * reference, fetches it with its own StorageClient and state file. Every file must come back
 * byte for byte, or, for a reader that cannot read the kind, as the fallback text.
 */
export const fileTransferCheck: MatrixCheck = {
  column: "storage",
  proves: MATRIX_COLUMN_PROVES.storage,
  async run(ctx) {
    const { writer, reader, workDir } = ctx;
    const dir = join(workDir, `storage-${writer.protocol}-to-${reader.protocol}-${ctx.direction}`);
    mkdirSync(dir, { recursive: true });
    // Stopped when the signal aborts, too: a cell abandoned past its deadline must really end.
    const opened = new CheckClients(ctx.signal);
    // One store both clients reach: what the Codex network is to two phones.
    const network = opened.own(createLocalBackend({ dir: join(dir, "network") }));
    // Each side's client is its release's own (profile): by protocol alone it would be the newest
    // release of that protocol in the embedded table, another row when a release keeps its
    // predecessor's protocol, and the cell would test that row in its place.
    const clientFor = (side: ProtocolProfile, role: keyof typeof SIZES, backend: StorageBackend): Promise<StorageClient> =>
      opened.open({
        protocol: side.protocol,
        profile: side,
        backend,
        statePath: join(dir, `${role}.sqlite`),
        dataDir: join(dir, role),
        ...SIZES[role],
        renewEveryMs: 0,
        logger: ctx.logger,
      });
    const outcomes: string[] = [];
    try {
      let sender: StorageClient | undefined;
      let receiver: StorageClient | undefined;
      for (const file of FILES) {
        const content = fileBytes(file.size, `${ctx.direction}/${file.name}`);
        let choice: AttachmentChoice;
        try {
          choice = chooseAttachment(writer.window, peerAudience(reader.window), file.size);
        } catch (error) {
          // Release 0.1.0 has no Codex: it never sends files over the inline limit, to anyone.
          const ownLimit = error instanceof NegotiationError && error.code === "E_PAYLOAD_NOT_WRITABLE" && !writer.writes("file-reference");
          if (!ownLimit || file.size <= INLINE_ATTACHMENT_MAX_BYTES) throw error;
          outcomes.push(`${file.name}: not sendable by ${writer.release.release} (inline only)`);
          continue;
        }
        const { envelope: sent, shared } = await send(choice, file.name, content, async () => (sender ??= await clientFor(writer, "writer", network)), writer.window);
        let opened;
        try {
          opened = openEnvelope(sent, reader.window);
        } catch (error) {
          if (isWireError(error) && !promisedToOpen(reader, choice.kind, choice.write.version) && error.details["fallbackText"] === choice.write.fallbackText) {
            outcomes.push(`${file.name}: fallback text`);
            continue;
          }
          throw error;
        }
        const got = await receive(opened, join(dir, `received-${file.name}`), async () => (receiver ??= await clientFor(reader, "reader", network)));
        if (!Buffer.from(got).equals(content)) return { status: "fail", detail: `${file.name} (${choice.kind}) came back different` };
        outcomes.push(`${file.name} ${choice.kind === "file-reference" ? "via storage" : "inline"} v${opened.envelope.version}`);
        // The writer's own version, which the reader's window may admit although negotiation chose
        // lower: what a peer sends whose idea of this reader's capabilities is stale (the user went
        // back a release). The reader must fetch that reference too, or show the fallback text.
        if (shared !== undefined && choice.write.version !== writer.protocol) {
          // As the writer sends it to a peer of its own release: its version, min_reader and fallback text.
          const ownChoice = chooseWriteVersion(writer.window, peerAudience(writer.window), { payload: "file-reference", release: writer.release });
          const own = encodePayloadEnvelope(
            { kind: "file-reference", message: shared },
            {
              version: ownChoice.version,
              minReader: ownChoice.minReader,
              fallbackText: ownChoice.fallbackText,
              sender: { minVersion: writer.window.min, maxVersion: writer.window.max, features: [] },
            },
          );
          const stale = `${file.name} at v${ownChoice.version} (stale capabilities)`;
          let ownOpened;
          try {
            ownOpened = openEnvelope(own, reader.window);
          } catch (error) {
            // Only where the project's promise keeps the reader out (promisedToOpen), never by the
            // min_reader the writer set: refusing what the promise admits is the break this looks for.
            const admitted = promisedToOpen(reader, "file-reference", ownChoice.version);
            if (!admitted && isWireError(error) && error.code === "E_VERSION_UNSUPPORTED" && error.details["fallbackText"] === ownChoice.fallbackText) {
              outcomes.push(`${stale}: fallback text`);
              continue;
            }
            if (admitted && isWireError(error)) {
              return { status: "fail", detail: `${stale}: ${error.code}: ${error.message} (release ${reader.release.release} reads file references one protocol past its own)` };
            }
            throw error;
          }
          const again = await receive(ownOpened, join(dir, `received-own-${file.name}`), async () => (receiver ??= await clientFor(reader, "reader", network)));
          if (!Buffer.from(again).equals(content)) return { status: "fail", detail: `${stale} came back different` };
          outcomes.push(`${stale} via storage`);
        }
      }
    } catch (error) {
      throw opened.reasonOr(error);
    } finally {
      await opened.end();
    }
    if (writer.writes("file-reference") && reader.writes("file-reference")) {
      try {
        outcomes.push(await releaseSwitch(ctx, join(dir, "switch"), fileBytes));
      } catch (error) {
        if (error instanceof SwitchFailure) return { status: "fail", detail: error.message };
        throw error;
      }
    }
    return { status: "pass", detail: outcomes.join("; ") };
  },
};

async function send(
  choice: AttachmentChoice,
  fileName: string,
  content: Buffer,
  sender: () => Promise<StorageClient>,
  window: { min: number; max: number },
): Promise<{ envelope: Uint8Array; shared?: FileReference }> {
  const { version, minReader, fallbackText } = choice.write;
  const envelope = { version, minReader, fallbackText, sender: { minVersion: window.min, maxVersion: window.max, features: [] } };
  if (choice.kind === "inline-attachment") {
    const payload: Payload = { kind: "inline-attachment", message: { mime: "text/plain", fileName, data: content } };
    return { envelope: encodePayloadEnvelope(payload, envelope) };
  }
  const client = await sender();
  const shared = await client.share({ bytes: content, fileName }).done;
  // The client returns its own protocol's reference; the envelope carries it at the negotiated
  // version (a version 3 sender writing to a version 2 reader drops the version 3 fields).
  return { envelope: encodePayloadEnvelope({ kind: "file-reference", message: shared.view }, envelope), shared: shared.view };
}

async function receive(
  opened: ReturnType<typeof openEnvelope>,
  out: string,
  receiver: () => Promise<StorageClient>,
): Promise<Uint8Array> {
  const { payload, envelope } = opened;
  if (payload.kind === "inline-attachment") return payload.message.data;
  if (payload.kind !== "file-reference") throw new Error(`unexpected payload ${payload.kind}`);
  const client = await receiver();
  await client.fetch({ bytes: envelope.payload, writtenWith: envelope.version }, { out }).done;
  return readFileSync(out);
}
