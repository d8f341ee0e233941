// The outbound address policy's DECISIONS (nothing is sent): the host's own interface addresses, the
// IPv6 cloud metadata address, IPv6 forms that carry an IPv4 address (NAT64, 6to4, v4-mapped,
// v4-compatible) judged by that IPv4, and the one setting that refuses private ranges.
import { networkInterfaces } from "node:os";
import { createAddressPolicy } from "../src/address-policy.js";

const ownAddresses = Object.values(networkInterfaces())
  .flatMap((list) => list ?? [])
  .map((entry) => entry.address);

describe("the host's own interface addresses", () => {
  const policy = createAddressPolicy();

  it("refuses every address of every interface (loopback ones as loopback)", () => {
    expect(ownAddresses.length).toBeGreaterThan(0);
    for (const address of ownAddresses) {
      const verdict = policy.check(address);
      expect({ address, allowed: verdict.allowed }).toEqual({ address, allowed: false });
    }
  });

  it("names a non-loopback interface address as the host's own", () => {
    const external = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((entry) => !entry.internal && !entry.address.startsWith("fe80:"));
    for (const { address } of external) {
      expect(policy.check(address)).toMatchObject({ allowed: false, rule: "own-address" });
    }
  });

  it("judges an injected interface list, and lets an allow entry as specific as the address open it", () => {
    const local = () => ["10.9.8.7", "fd00:aa::7", "127.0.0.1"];
    const p = createAddressPolicy({ localAddresses: local });
    expect(p.check("10.9.8.7")).toMatchObject({ allowed: false, rule: "own-address" });
    expect(p.check("::ffff:10.9.8.7")).toMatchObject({ allowed: false, rule: "own-address" });
    expect(p.check("fd00:aa::7")).toMatchObject({ allowed: false, rule: "own-address" });
    expect(p.check("10.9.8.6")).toEqual({ allowed: true });
    // A broad allow (the whole private range) does not open the host itself; naming the address does.
    expect(createAddressPolicy({ localAddresses: local, allow: ["10.0.0.0/8"] }).check("10.9.8.7").allowed).toBe(false);
    expect(createAddressPolicy({ localAddresses: local, allow: ["10.9.8.7/32"] }).check("10.9.8.7")).toEqual({ allowed: true });
    // Loopback stays a loopback decision, so allowing 127.0.0.0/8 (local receivers) still works.
    expect(createAddressPolicy({ localAddresses: local, allow: ["127.0.0.0/8"] }).check("127.0.0.1")).toEqual({ allowed: true });
  });
});

describe("cloud metadata", () => {
  const policy = createAddressPolicy({ localAddresses: () => [] });

  it.each(["fd00:ec2::254", "169.254.169.254", "100.100.100.200"])("refuses %s", (ip) => {
    expect(policy.check(ip).allowed).toBe(false);
  });

  it("refuses fd00:ec2::254 although fd00::/8 (unique local) is allowed", () => {
    expect(policy.check("fd00:ec2::254")).toMatchObject({ allowed: false, rule: "cloud-metadata" });
    expect(policy.check("fd00:ec2::253")).toEqual({ allowed: true });
  });
});

describe("IPv6 forms carrying an IPv4 address are judged by that IPv4", () => {
  const policy = createAddressPolicy({ localAddresses: () => [] });

  it.each([
    ["64:ff9b::7f00:1", "NAT64 of 127.0.0.1", "loopback"],
    ["64:ff9b::127.0.0.1", "NAT64 of 127.0.0.1 (dotted)", "loopback"],
    ["64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254", "link-local"],
    ["64:ff9b::0.0.0.0", "NAT64 of 0.0.0.0", "unspecified"],
    ["64:ff9b:1:7f00:0:100::", "local-use NAT64 (RFC 8215, /48) of 127.0.0.1", "loopback"],
    ["2002:7f00:1::", "6to4 of 127.0.0.1", "loopback"],
    ["2002:a9fe:a9fe:1234::1", "6to4 of 169.254.169.254", "link-local"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo of 127.0.0.1", "loopback"],
    ["2001:0:4136:e378:8000:63bf:5601:5601", "Teredo of 169.254.169.254", "link-local"],
    ["::ffff:127.0.0.1", "v4-mapped 127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "v4-mapped 127.0.0.1 (hex)", "loopback"],
    ["::127.0.0.1", "v4-compatible 127.0.0.1", "loopback"],
    ["::7f00:1", "v4-compatible 127.0.0.1 (hex)", "loopback"],
    ["::a9fe:a9fe", "v4-compatible 169.254.169.254", "link-local"],
    ["::e000:1", "v4-compatible 224.0.0.1", "multicast"],
  ])("refuses %s (%s) as %s", (ip, _what, rule) => {
    expect(policy.check(ip)).toMatchObject({ allowed: false, rule });
  });

  it.each(["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "::8.8.8.8", "64:ff9b::a00:1", "2001:0:4136:e378:8000:63bf:f7f7:f7f7"])(
    "allows %s, which carries an allowed IPv4",
    (ip) => {
      expect(policy.check(ip)).toEqual({ allowed: true });
    },
  );

  it("applies the operator's IPv4 lists to the carried address", () => {
    const p = createAddressPolicy({ localAddresses: () => [], deny: ["10.0.0.0/8"], allow: ["127.0.0.0/8"] });
    expect(p.check("64:ff9b::a00:1")).toMatchObject({ allowed: false, rule: "denied-range" });
    expect(p.check("2002:a00:1::")).toMatchObject({ allowed: false, rule: "denied-range" });
    expect(p.check("64:ff9b::7f00:1")).toEqual({ allowed: true });
  });

  it("applies an operator's IPv6 deny to the form itself", () => {
    const p = createAddressPolicy({ localAddresses: () => [], deny: ["2002::/16"] });
    expect(p.check("2002:808:808::1")).toMatchObject({ allowed: false, rule: "denied-range" });
  });
});

describe("refusePrivate (OUTBOUND_REFUSE_PRIVATE)", () => {
  const open = createAddressPolicy({ localAddresses: () => [] });
  const closed = createAddressPolicy({ localAddresses: () => [], refusePrivate: true });
  const privates = ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "fd12:3456::1", "fc00::1", "::ffff:10.0.0.1", "64:ff9b::c0a8:101", "2002:c0a8:101::"];

  it.each(privates)("allows %s by default", (ip) => {
    expect(open.check(ip)).toEqual({ allowed: true });
  });

  it.each(privates)("refuses %s when set", (ip) => {
    expect(closed.check(ip)).toMatchObject({ allowed: false, rule: "private" });
  });

  it("still allows public addresses, and an allow entry re-opens part of a private range", () => {
    expect(closed.check("8.8.8.8")).toEqual({ allowed: true });
    expect(closed.check("172.32.0.1")).toEqual({ allowed: true });
    const partly = createAddressPolicy({ localAddresses: () => [], refusePrivate: true, allow: ["10.5.0.0/16"] });
    expect(partly.check("10.5.1.1")).toEqual({ allowed: true });
    expect(partly.check("10.6.1.1")).toMatchObject({ allowed: false, rule: "private" });
  });
});
