export { BridgeError } from "./bridge-error.js";
export type { BridgeErrorCode } from "./bridge-error.js";
export type { PublishOptions, PublishResult, Unsubscribe, WakuMessage, WakuMessageHandler, WakuTransport } from "./transport.js";
export { MAX_CONTENT_TOPIC_CHARS, assertContentTopic, contentTopicProblem, isContentTopic } from "./content-topic.js";
export { MemoryNetwork, MemoryTransport } from "./transports/memory.js";
export type { MemoryFaultPlan, MemoryNetworkOptions, MemoryTransportOptions } from "./transports/memory.js";
