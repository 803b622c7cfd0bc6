import { BridgeError } from "./bridge-error.js";

/**
 * Content topics as Waku names them (23/WAKU2-TOPICS): `/{application}/{version}/{name}/{encoding}`,
 * four non-empty parts. Status's community topics look like `/waku/1/0x<hex>/rfc26`.
 *
 * Each part is printable ASCII without `/` or white space, and the whole is at most
 * MAX_CONTENT_TOPIC_CHARS: a topic is a routing key every relay peer keeps per message, so a
 * longer one is a mistake (or an attack), never a name. js-waku's long form with a leading
 * generation (`/0/app/1/name/proto`) is not taken: Status does not use it, and autosharding would
 * route it elsewhere.
 */
export const MAX_CONTENT_TOPIC_CHARS = 256;

const PART = /^[\x21-\x2e\x30-\x7e]+$/; // printable ASCII without "/" (0x2f) and space

/** Why `topic` is not a content topic, or undefined when it is one. */
export function contentTopicProblem(topic: unknown): string | undefined {
  if (typeof topic !== "string") return `is a ${topic === null ? "null" : typeof topic}, not a string`;
  if (topic.length > MAX_CONTENT_TOPIC_CHARS) return `is ${topic.length} characters long, above ${MAX_CONTENT_TOPIC_CHARS}`;
  if (!topic.startsWith("/")) return "does not start with '/'";
  const parts = topic.slice(1).split("/");
  if (parts.length !== 4) return `has ${parts.length} parts, not 4 (/{application}/{version}/{name}/{encoding})`;
  const names = ["application", "version", "name", "encoding"] as const;
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (part === "") return `has an empty ${names[i]}`;
    if (!PART.test(part)) return `has a ${names[i]} with a character other than printable ASCII`;
  }
  return undefined;
}

/** True when `topic` is `/{application}/{version}/{name}/{encoding}` (see contentTopicProblem). */
export function isContentTopic(topic: unknown): topic is string {
  return contentTopicProblem(topic) === undefined;
}

/** Returns `topic` when it is a content topic; otherwise throws BridgeError E_BRIDGE_BAD_TOPIC saying why. */
export function assertContentTopic(topic: unknown): string {
  const problem = contentTopicProblem(topic);
  if (problem === undefined) return topic as string;
  const shown = typeof topic === "string" ? JSON.stringify(topic.length > 80 ? `${topic.slice(0, 80)}…` : topic) : String(topic);
  throw new BridgeError(
    "E_BRIDGE_BAD_TOPIC",
    `content topic ${shown} ${problem}: use /{application}/{version}/{name}/{encoding}, as /waku/1/0x<community id hex>/rfc26`,
    { details: { topic: typeof topic === "string" ? topic.slice(0, MAX_CONTENT_TOPIC_CHARS) : String(topic), problem } },
  );
}
