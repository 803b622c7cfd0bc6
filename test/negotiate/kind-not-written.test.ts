import { describe, expect, it } from "vitest";
import { chooseAttachment, chooseWriteVersion, communityAudience, NegotiationError, peerAudience } from "../../src/negotiate/index.js";
import { profileFor, ReleaseTable, type Release } from "../../src/versions/index.js";
import { thrown } from "../support/thrown.js";

const v2 = profileFor(2).window;
const v3 = profileFor(3).window;

describe("chooseWriteVersion: a payload kind the writer's release does not write", () => {
  // 0.3.0 is "Codex first: description pointers only": its row writes no cd-whole-waku, so the
  // next release need not read a whole description; a version chosen for one would be written anyway.
  for (const payload of ["community-description", "segment"] as const) {
    it(`refuses ${payload} from release 0.3.0 with E_PAYLOAD_NOT_WRITABLE naming the kind and the release`, () => {
      for (const audience of [peerAudience(v3), peerAudience(v2), communityAudience([v2, v3, null])]) {
        const error = thrown(() => chooseWriteVersion(v3, audience, { payload }));
        expect(error).toBeInstanceOf(NegotiationError);
        const e = error as NegotiationError;
        expect(e.code).toBe("E_PAYLOAD_NOT_WRITABLE");
        expect(e.message).toContain(payload);
        expect(e.message).toContain("release 0.3.0");
        expect(e.message).toContain("cd-pointer");
        expect(e.details).toMatchObject({ payload, release: "0.3.0", feature: "cd-whole-waku", writer: { min: 2, max: 3 } });
      }
    });
  }

  it("refuses it under the fallback policy too: the policy is about readers, not what the writer writes", () => {
    const e = thrown(() => chooseWriteVersion(v3, peerAudience(v2), { payload: "community-description", outsiders: "fallback" }));
    expect(e).toMatchObject({ code: "E_PAYLOAD_NOT_WRITABLE", details: { release: "0.3.0" } });
  });

  it("still answers for the kinds each release writes", () => {
    expect(chooseWriteVersion(v2, peerAudience(v2), { payload: "community-description" })).toMatchObject({ version: 2 });
    expect(chooseWriteVersion(v2, peerAudience(v3), { payload: "segment" })).toMatchObject({ version: 2 });
    expect(chooseWriteVersion(v3, peerAudience(v2), { payload: "cd-pointer" })).toMatchObject({ version: 2 });
    expect(chooseWriteVersion(v3, peerAudience(v3), { payload: "inline-attachment" })).toMatchObject({ version: 3 });
    expect(chooseAttachment(v3, peerAudience(v2), 1000).kind).toBe("file-reference");
  });

  it("keeps the older refusal for a kind newer than the writer's protocol (a protocol 1 writer's cd-pointer)", () => {
    const e = thrown(() => chooseWriteVersion(profileFor(1).window, peerAudience(profileFor(1).window), { payload: "cd-pointer" }));
    expect(e).toMatchObject({ code: "E_PAYLOAD_NOT_WRITABLE", details: { since: 2 } });
  });
});

describe("chooseWriteVersion's release option: the writer's own row when a later row keeps its protocol", () => {
  // 0.3.0 writes whole descriptions too here; 0.4.0 keeps protocol 3 and stops (a row may drop what
  // its predecessor writes as long as it still reads it).
  const json = {
    releases: [
      { release: "0.2.0", protocol: 2, stateLevel: 2, summary: "dual path", writes: ["cd-whole-waku", "cd-pointer"], reads: ["cd-whole-waku", "cd-pointer"] },
      { release: "0.3.0", protocol: 3, stateLevel: 3, summary: "both", writes: ["cd-whole-waku", "cd-pointer"], reads: ["cd-whole-waku", "cd-pointer"] },
      { release: "0.4.0", protocol: 3, stateLevel: 3, summary: "pointers only", writes: ["cd-pointer"], reads: ["cd-whole-waku", "cd-pointer"] },
    ],
  };
  const table = new ReleaseTable(json);
  const [r020, r030, r040] = table.rows as [Release, Release, Release];
  const window = { min: 2, max: 3 };

  it("answers for the row given that writes the kind, and refuses for the one that does not", () => {
    expect(chooseWriteVersion(window, peerAudience(window), { payload: "community-description", table, release: r030 })).toMatchObject({ version: 3 });
    const e = thrown(() => chooseWriteVersion(window, peerAudience(window), { payload: "community-description", table, release: r040 }));
    expect(e).toMatchObject({ code: "E_PAYLOAD_NOT_WRITABLE", details: { release: "0.4.0" } });
  });

  it("without it, the writer is the newest row of its protocol (as profileFor(3) is)", () => {
    const e = thrown(() => chooseWriteVersion(window, peerAudience(window), { payload: "community-description", table }));
    expect(e).toMatchObject({ code: "E_PAYLOAD_NOT_WRITABLE", details: { release: "0.4.0" } });
  });

  it("refuses a release that does not speak the window's max (RangeError) or is no release row (TypeError)", () => {
    expect(thrown(() => chooseWriteVersion(window, peerAudience(window), { payload: "cd-pointer", table, release: r020 }))).toEqual(
      new RangeError("chooseWriteVersion option release 0.2.0 speaks protocol 2, but the writer's window is [2, 3]: pass the release whose protocol is the window's max (profile.release with profile.window)"),
    );
    const notRow = thrown(() => chooseWriteVersion(window, peerAudience(window), { payload: "cd-pointer", release: "0.3.0" as never }));
    expect(notRow).toBeInstanceOf(TypeError);
    expect((notRow as Error).message).toContain("chooseWriteVersion option release must be a release-table row (profile.release)");
  });
});
