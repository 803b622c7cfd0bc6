import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/bridge/bridge-error.js";
import { MAX_CONTENT_TOPIC_CHARS, assertContentTopic, contentTopicProblem, isContentTopic } from "../../src/bridge/content-topic.js";
import { thrown } from "../support/thrown.js";

const part = fc.stringMatching(/^[\x21-\x2e\x30-\x7e]{1,20}$/);

describe("content topics (/{application}/{version}/{name}/{encoding})", () => {
  it("takes Status's community topics and Waku's own, and says what is wrong with others", () => {
    expect(isContentTopic("/waku/1/0x1a2b3c4d/rfc26")).toBe(true);
    expect(isContentTopic("/toy-chat/2/huilong/proto")).toBe(true);
    expect(contentTopicProblem("/0/toy-chat/2/huilong/proto")).toMatch(/5 parts/);
    expect(contentTopicProblem("waku/1/x/rfc26")).toMatch(/start with '\/'/);
    expect(contentTopicProblem("/waku//x/rfc26")).toMatch(/empty version/);
    expect(contentTopicProblem("/waku/1/x\u00e9/rfc26")).toMatch(/printable ASCII/);
    expect(contentTopicProblem(`/a/1/${"x".repeat(MAX_CONTENT_TOPIC_CHARS)}/proto`)).toMatch(/characters long/);
    expect(contentTopicProblem(undefined)).toMatch(/undefined, not a string/);
    expect(contentTopicProblem(null)).toMatch(/null, not a string/);
    const error = thrown(() => assertContentTopic("/waku/1/x"));
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: "E_BRIDGE_BAD_TOPIC", details: { topic: "/waku/1/x" } });
    expect(assertContentTopic("/waku/1/0x1a2b3c4d/rfc26")).toBe("/waku/1/0x1a2b3c4d/rfc26");
  });

  test.prop([part, part, part, part])("any four non-empty parts of printable ASCII without '/' make a topic", (a, b, c, d) => {
    expect(contentTopicProblem(`/${a}/${b}/${c}/${d}`)).toBeUndefined();
  });

  test.prop([part, part, part, fc.string({ minLength: 1, maxLength: 3 }).filter((s) => /[\s\u0000-\u001f\u007f-\uffff]/.test(s))])(
    "a part holding white space, a control character or non-ASCII is E_BRIDGE_BAD_TOPIC",
    (a, b, c, bad) => {
      expect(thrown(() => assertContentTopic(`/${a}/${b}/${c}${bad}/proto`))).toMatchObject({ code: "E_BRIDGE_BAD_TOPIC" });
    },
  );
});
