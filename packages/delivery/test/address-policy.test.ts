// The outbound address policy: spec defaults, operator lists, and a lookup that never hands out a refused address.
import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { fakeDns } from "@msr-webhooks/testing/dns";
import { BlockedAddressError, createAddressPolicy } from "../src/address-policy.js";


function resolve(lookup: LookupFunction, hostname: string, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) =>
    lookup(hostname, { all }, (error, address, family) => done({ error, address, family })),
  );
}

describe("createAddressPolicy().check", () => {
  const policy = createAddressPolicy();

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
  ])("refuses %s by default (%s)", (ip, label) => {
    expect(policy.check(ip)).toMatchObject({ allowed: false, reason: expect.stringContaining(label) });
  });

  it.each(["10.0.0.5", "172.16.3.4", "192.168.1.1", "fd00::1", "8.8.8.8", "2001:4860:4860::8888", "[2606:4700::1]"])(
    "allows %s by default (public and private ranges)",
    (ip) => {
      expect(policy.check(ip)).toEqual({ allowed: true });
    },
  );

  it("refuses something that is not an IP", () => {
    expect(policy.check("example.com")).toMatchObject({ allowed: false, rule: "not-an-ip", reason: '"example.com" is not an IP address' });
  });

  it("lets the allow list open a default-refused range", () => {
    const open = createAddressPolicy({ allow: ["127.0.0.0/8", "::1"] });
    expect(open.check("127.0.0.1")).toEqual({ allowed: true });
    expect(open.check("::1")).toEqual({ allowed: true });
    expect(open.check("::ffff:127.0.0.1")).toEqual({ allowed: true });
    expect(open.check("169.254.169.254").allowed).toBe(false);
  });

  it("lets the deny list close private ranges, with the most specific rule winning", () => {
    const closed = createAddressPolicy({ deny: ["10.0.0.0/8", "192.168.0.0/16"], allow: ["10.1.0.0/16"] });
    expect(closed.check("10.2.3.4")).toMatchObject({
      allowed: false,
      rule: "denied-range",
      reason: "10.2.3.4 is an address in the denied range 10.0.0.0/8",
    });
    expect(closed.check("10.1.3.4")).toEqual({ allowed: true });
    expect(closed.check("192.168.0.1").allowed).toBe(false);
    expect(closed.check("172.16.0.1")).toEqual({ allowed: true });
    const tie = createAddressPolicy({ deny: ["10.0.0.0/8"], allow: ["10.0.0.0/8"] });
    expect(tie.check("10.0.0.1").allowed).toBe(false);
  });

  it("matches IPv4-mapped CIDRs and single addresses", () => {
    const p = createAddressPolicy({ deny: ["::ffff:8.8.8.0/120", "1.1.1.1"] });
    expect(p.check("8.8.8.8").allowed).toBe(false);
    expect(p.check("1.1.1.1").allowed).toBe(false);
    expect(p.check("1.1.1.2").allowed).toBe(true);
  });

  it.each(["10.0.0.0/33", "10/8", "not-a-cidr", "::1/129", "300.1.1.1"])("rejects the bad entry %s at creation", (entry) => {
    expect(() => createAddressPolicy({ deny: [entry] })).toThrow(entry);
  });
});

describe("wrapLookup", () => {
  const dns = fakeDns({
    "public.test": ["93.184.216.34", "2606:2800:220:1::1"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": ["93.184.216.34", "127.0.0.1"],
    "empty.test": [],
  });
  const lookup = createAddressPolicy().wrapLookup(dns.lookup);

  it("passes allowed addresses through in either callback form, resolving once", async () => {
    const before = dns.calls.length;
    const all = await resolve(lookup, "public.test", true);
    expect(all.error).toBeNull();
    expect(all.address as LookupAddress[]).toEqual([
      { address: "93.184.216.34", family: 4 },
      { address: "2606:2800:220:1::1", family: 6 },
    ]);
    expect(await resolve(lookup, "public.test", false)).toEqual({ error: null, address: "93.184.216.34", family: 4 });
    expect(dns.calls.length - before).toBe(2);
  });

  it("refuses a host resolving to a refused address", async () => {
    const { error } = await resolve(lookup, "metadata.test", false);
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error).toMatchObject({ code: "EBLOCKED", hostname: "metadata.test", address: "169.254.169.254" });
    expect(error?.message).toContain("link-local");
  });

  it("refuses a host if any of its addresses is refused, so fallback cannot reach it", async () => {
    const { error } = await resolve(lookup, "mixed.test", true);
    expect(error).toMatchObject({ code: "EBLOCKED", address: "127.0.0.1" });
  });

  it("passes DNS errors through and treats an empty answer as not found", async () => {
    expect((await resolve(lookup, "nowhere.test", false)).error).toMatchObject({ code: "ENOTFOUND" });
    expect((await resolve(lookup, "empty.test", false)).error).toMatchObject({ code: "ENOTFOUND" });
  });

  it("uses the system resolver by default", async () => {
    const { error } = await resolve(createAddressPolicy().wrapLookup(), "localhost", false);
    expect(error).toMatchObject({ code: "EBLOCKED" });
    const open = createAddressPolicy({ allow: ["127.0.0.0/8", "::1/128"] }).wrapLookup();
    expect((await resolve(open, "localhost", false)).error).toBeNull();
  });
});
