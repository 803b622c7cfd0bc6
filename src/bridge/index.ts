/**
 * The bridge's public face, re-exported whole by the package's entry (src/index.ts): everything here
 * is a promise to apps. The layer's own helpers (the receiver's fetchDescription, the metric handles
 * bridgeMetrics, the clock order isNewerClock) are imported by path inside the layer, not from here.
 */
export { BridgeError } from "./bridge-error.js";
export type { BridgeErrorCode } from "./bridge-error.js";
export type { PublishOptions, PublishResult, Unsubscribe, WakuMessage, WakuMessageHandler, WakuTransport } from "./transport.js";
export { MAX_CONTENT_TOPIC_CHARS, assertContentTopic, contentTopicProblem, isContentTopic } from "./content-topic.js";
export { MemoryNetwork, MemoryTransport } from "./transports/memory.js";
export type { MemoryFaultPlan, MemoryNetworkOptions, MemoryTransportOptions } from "./transports/memory.js";
export { SIGNATURE_FIELD, signPayloadBytes, verifyPayloadBytes } from "./signed-payload.js";
export type { SignedKind, SignedPayloadFault } from "./signed-payload.js";
export { sealCommunityDescription, sealCommunityDescriptionPointer } from "./signed-messages.js";
export type { DescriptionDraft, PointerDraft, Sealed, SealOptions } from "./signed-messages.js";
export {
  openBridgeEnvelope,
  openReassembledDescription,
  verifyCommunityDescription,
  verifyCommunityDescriptionPointer,
} from "./signed-open.js";
export type { OpenBridgeOptions, OpenedBridgeEnvelope, ReceivedSegment, VerifiedDescription, VerifiedPointer } from "./signed-open.js";
export {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_PENDING_WHOLES,
  DEFAULT_SEGMENT_TTL_MS,
  MAX_DESCRIPTION_BYTES,
  MAX_SEGMENTS_PER_WHOLE,
  SEGMENT_PAYLOAD_BYTES,
} from "./segment-limits.js";
export { envelopesToPublish, segmentEnvelope } from "./segment-split.js";
export type { SegmentEnvelopeOptions } from "./segment-split.js";
export { SegmentReassembler } from "./segment-reassembler.js";
export type { SegmentOutcome, SegmentReassemblerOptions } from "./segment-reassembler.js";
// The relay transport's module imports js-waku only when a node starts (test/bridge/transport-lazy-import.test.ts).
export { RelayTransport, createRelayTransport } from "./transports/relay.js";
export type { RelayTransportOptions, WaitForPeersOptions } from "./transports/relay.js";
export { DescriptionPublisher, DEFAULT_REPUBLISH_INTERVAL_MS, DESCRIPTION_TTL_SECONDS, RESTART_REPUBLISH_DELAY_MS } from "./publisher.js";
export type { PublishCallOptions, PublisherOptions, PublishReport } from "./publisher.js";
export { DescriptionReceiver } from "./receiver.js";
export type { ReceivedDescription, ReceiverOptions } from "./receiver.js";
export { memoryReceiverStore, stateReceiverStore } from "./receiver-state.js";
export type { ReceiverStore } from "./receiver-state.js";
export type { DescriptionGetOptions, DescriptionStore, DescriptionStoreCallOptions } from "./description-store.js";
export { descriptionStoreOn } from "./description-store-backend.js";
export { communityContentTopic, communityHex } from "./community-topic.js";
export { systemBridgeClock } from "./clock.js";
export type { BridgeClock, BridgeTimerOptions } from "./clock.js";
export type { DropReason } from "./bridge-metrics.js";
