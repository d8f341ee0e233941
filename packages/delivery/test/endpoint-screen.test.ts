// Subscribe-time screening: literal hosts judged at once, names through the policy-wrapped lookup within a
// bound; only a definite refusal refuses, and a name's refusal does not repeat its addresses.
import { fakeDns } from "@msr-webhooks/testing/dns";
import { createAddressPolicy } from "../src/address-policy.js";
import { createEndpointScreen } from "../src/endpoint-screen.js";

const RECORDS: Record<string, string[]> = {
  "metadata.test": ["169.254.169.254"],
  "mixed.test": ["203.0.113.5", "::1"],
  "public.test": ["203.0.113.5"],
};

const { lookup } = fakeDns(RECORDS, { hang: ["hang.test"] });

const policy = createAddressPolicy({ localAddresses: () => [] });
const screen = createEndpointScreen({ policy, lookup, lookupTimeoutMs: 200 });

describe("createEndpointScreen", () => {
  it("judges literal addresses, bracketed IPv6 included, without a lookup", async () => {
    expect(await screen("127.0.0.1")).toEqual({ refused: true, rule: "loopback", message: "127.0.0.1 is a loopback address" });
    expect(await screen("[64:ff9b::7f00:1]")).toMatchObject({ refused: true, rule: "loopback" });
    expect(await screen("203.0.113.5")).toEqual({ refused: false });
  });

  it("refuses a name when any address it resolves to is refused, without naming the address", async () => {
    const metadata = await screen("metadata.test");
    expect(metadata).toMatchObject({ refused: true, rule: "link-local" });
    expect(JSON.stringify(metadata)).not.toContain("169.254");
    expect(await screen("mixed.test")).toMatchObject({ refused: true, rule: "loopback" });
    expect(await screen("public.test")).toEqual({ refused: false });
  });

  it("passes a name that does not resolve, in time or at all", async () => {
    expect(await screen("nowhere.test")).toMatchObject({ refused: false, unresolved: expect.stringContaining("ENOTFOUND") });
    expect(await screen("hang.test")).toEqual({ refused: false, unresolved: "no DNS answer within 200 ms" });
  });

  it("resolves no names with a zero bound", async () => {
    const literalOnly = createEndpointScreen({ policy, lookup, lookupTimeoutMs: 0 });
    expect(await literalOnly("metadata.test")).toMatchObject({ refused: false });
    expect(await literalOnly("169.254.169.254")).toMatchObject({ refused: true, rule: "link-local" });
  });
});
