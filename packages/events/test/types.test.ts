// The type vocabulary: delivered types, REPO_* subscription aliases and their mapping.
import {
  EVENT_TYPES,
  REPO_EVENT_KINDS,
  SUBSCRIPTION_TYPES,
  deliveredTypeOf,
  isEventType,
  isRepoEventKind,
  isSubscriptionType,
  subscriptionTypesFor,
} from "../src/types.js";

describe("type lists", () => {
  it("has the 17 delivered types and 20 subscription types, without duplicates", () => {
    expect(EVENT_TYPES).toHaveLength(17);
    expect(new Set(EVENT_TYPES).size).toBe(17);
    expect(SUBSCRIPTION_TYPES).toHaveLength(20);
    expect(new Set(SUBSCRIPTION_TYPES).size).toBe(20);
    expect(SUBSCRIPTION_TYPES).toEqual(expect.arrayContaining([...EVENT_TYPES, ...REPO_EVENT_KINDS]));
  });
});

describe("guards", () => {
  it.each([
    ["TAG_PUSH", true, true],
    ["SCANNER_UPDATE_COMPLETED", true, true],
    ["REPO_EVENT", true, true],
    ["REPO_CREATED", false, true],
    ["REPO_DELETED", false, true],
    ["tag_push", false, false],
    ["", false, false],
    [42, false, false],
    [null, false, false],
    [undefined, false, false],
  ])("%p: event type %p, subscription type %p", (x, event, subscription) => {
    expect(isEventType(x)).toBe(event);
    expect(isSubscriptionType(x)).toBe(subscription);
  });

  it("isRepoEventKind accepts only the three kinds", () => {
    expect(REPO_EVENT_KINDS.every(isRepoEventKind)).toBe(true);
    expect(isRepoEventKind("REPO_EVENT")).toBe(false);
  });
});

describe("deliveredTypeOf", () => {
  it("maps REPO_* kinds to REPO_EVENT and every event type to itself", () => {
    expect(deliveredTypeOf("REPO_CREATED")).toBe("REPO_EVENT");
    expect(deliveredTypeOf("REPO_UPDATED")).toBe("REPO_EVENT");
    expect(deliveredTypeOf("REPO_DELETED")).toBe("REPO_EVENT");
    for (const t of EVENT_TYPES) expect(deliveredTypeOf(t)).toBe(t);
  });
});

describe("subscriptionTypesFor", () => {
  it("adds the kind of a REPO_EVENT", () => {
    expect(subscriptionTypesFor("REPO_EVENT", { event: "REPO_CREATED" })).toEqual(["REPO_EVENT", "REPO_CREATED"]);
    expect(subscriptionTypesFor("REPO_EVENT", { event: "REPO_DELETED" })).toEqual(["REPO_EVENT", "REPO_DELETED"]);
  });

  it("gives only REPO_EVENT when the kind is missing or unknown", () => {
    expect(subscriptionTypesFor("REPO_EVENT", {})).toEqual(["REPO_EVENT"]);
    expect(subscriptionTypesFor("REPO_EVENT", { event: "REPO_EVENT" })).toEqual(["REPO_EVENT"]);
    expect(subscriptionTypesFor("REPO_EVENT", null)).toEqual(["REPO_EVENT"]);
    expect(subscriptionTypesFor("REPO_EVENT", "REPO_CREATED")).toEqual(["REPO_EVENT"]);
  });

  it("gives the type alone for other types, even with an `event` field", () => {
    expect(subscriptionTypesFor("TAG_PUSH", { event: "REPO_CREATED" })).toEqual(["TAG_PUSH"]);
  });
});
