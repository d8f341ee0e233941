// Key shapes and the access table of API section 1.
import { ACCESS_RULES, keyShapeError, parseKey } from "../src/access.js";
import { EVENT_TYPES, SUBSCRIPTION_TYPES, type SubscriptionType } from "../src/types.js";

describe("ACCESS_RULES", () => {
  it("covers every subscription type", () => {
    expect(Object.keys(ACCESS_RULES).sort()).toEqual([...SUBSCRIPTION_TYPES].sort());
  });

  it("puts the 15 repository types in the UI for repository admins", () => {
    const repositoryTypes = EVENT_TYPES.filter((t) => t !== "REPO_EVENT" && t !== "SCANNER_UPDATE_COMPLETED");
    expect(repositoryTypes).toHaveLength(15);
    for (const t of repositoryTypes) {
      expect(ACCESS_RULES[t]).toEqual({ scope: "repository", subscriber: "repository-admin", inUi: true });
    }
  });

  it.each(["REPO_EVENT", "REPO_CREATED", "REPO_UPDATED", "REPO_DELETED"] as const)(
    "keys %s by namespace, for namespace admins, API only",
    (t) => {
      expect(ACCESS_RULES[t]).toEqual({ scope: "namespace", subscriber: "namespace-admin", inUi: false });
    },
  );

  it("makes SCANNER_UPDATE_COMPLETED global, for system admins, API only", () => {
    expect(ACCESS_RULES.SCANNER_UPDATE_COMPLETED).toEqual({
      scope: "global",
      subscriber: "system-admin",
      inUi: false,
    });
  });
});

describe("parseKey", () => {
  it.each([
    ["", { namespace: "", repository: null }],
    ["ns", { namespace: "ns", repository: null }],
    ["ns/repo", { namespace: "ns", repository: "repo" }],
    ["maria-testorg/lab-words", { namespace: "maria-testorg", repository: "lab-words" }],
    ["a.b_c__d--e/x9", { namespace: "a.b_c__d--e", repository: "x9" }],
    ["0/1", { namespace: "0", repository: "1" }],
  ])("parses %p", (key, parsed) => {
    expect(parseKey(key)).toEqual(parsed);
  });

  it.each([
    "ns/repo/extra",
    "/repo",
    "ns/",
    "/",
    "ns//repo",
    "Ns/repo",
    "ns/Repo",
    "ns repo",
    "-ns",
    "ns-",
    "ns/.repo",
    "ns/repo_",
    "a..b",
    "a___b",
    "a._b",
    "ns/repo:tag",
    "ns/repo@sha256",
    "ns\u00e9",
    " ns",
  ])("rejects %p", (key) => {
    expect(parseKey(key)).toBeNull();
  });

  it("accepts 255 characters in all and rejects 256", () => {
    const ns = "n".repeat(100);
    expect(parseKey(`${ns}/${"r".repeat(154)}`)).toEqual({ namespace: ns, repository: "r".repeat(154) });
    expect(parseKey(`${ns}/${"r".repeat(155)}`)).toBeNull();
    expect(parseKey("n".repeat(255))).not.toBeNull();
    expect(parseKey("n".repeat(256))).toBeNull();
  });
});

describe("keyShapeError", () => {
  const ok: [SubscriptionType, string][] = [
    ["TAG_PUSH", "ns/repo"],
    ["TAG_PUSH", "ns"],
    ["TAG_PUSH", ""],
    ["CHART_LINTED", "ns/repo"],
    ["PROMOTION", "ns"],
    ["REPO_EVENT", "ns"],
    ["REPO_EVENT", ""],
    ["REPO_CREATED", "ns"],
    ["REPO_DELETED", ""],
    ["SCANNER_UPDATE_COMPLETED", ""],
  ];
  it.each(ok)("accepts %s with key %p", (type, key) => {
    expect(keyShapeError(type, key)).toBeNull();
  });

  it.each([
    ["TAG_PUSH", "ns/repo/x", /not a valid "namespace" or "namespace\/repository"/],
    ["TAG_PUSH", "NS/repo", /lowercase/],
    ["MANIFEST_PULL", "ns/", /not a valid/],
    ["REPO_EVENT", "ns/repo", /keyed by a namespace, not a repository: use "ns"/],
    ["REPO_UPDATED", "ns/repo", /REPO_UPDATED subscriptions are keyed by a namespace/],
    ["REPO_EVENT", "bad key", /not a valid/],
    ["SCANNER_UPDATE_COMPLETED", "ns", /global type: its key must be empty or omitted/],
    ["SCANNER_UPDATE_COMPLETED", "ns/repo", /global type/],
  ] as [SubscriptionType, string, RegExp][])("rejects %s with key %p", (type, key, message) => {
    expect(keyShapeError(type, key)).toMatch(message);
  });
});

describe("ACCESS_RULES immutability", () => {
  it("cannot be changed through one type's shared rule", () => {
    expect(() => {
      (ACCESS_RULES.TAG_PUSH as { inUi: boolean }).inUi = false;
    }).toThrow(TypeError);
    expect(ACCESS_RULES.TAG_PULL.inUi).toBe(true);
  });
});
