// Outbound address policy: which IPs a webhook may reach, and a DNS lookup that connects only to checked ones.
// Shared by the worker (every delivery) and the API (subscribe-time screening and POST /webhooks/test).
import dns from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import { networkInterfaces } from "node:os";
import { performance } from "node:perf_hooks";
import ipaddr from "ipaddr.js";

/** Which rule refused an address: what the API names in `detail.rule`. */
export type AddressRule =
  | "not-an-ip"
  | "denied-range"
  | "unspecified"
  | "loopback"
  | "link-local"
  | "multicast"
  | "broadcast"
  | "cloud-metadata"
  | "own-address"
  | "private";

export interface AddressPolicyOptions {
  /** CIDRs (or single IPs) reachable even when a default rule as broad or broader refuses them, e.g. "127.0.0.0/8". */
  allow?: readonly string[];
  /** CIDRs (or single IPs) refused, e.g. "10.0.0.0/8". */
  deny?: readonly string[];
  /** Refuse the private ranges too (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10). */
  refusePrivate?: boolean;
  /** The host's own addresses; default: every address of every interface, re-read at most once a second. */
  localAddresses?: () => readonly string[];
}

export type AddressVerdict =
  | { allowed: true }
  | {
      allowed: false;
      /** The rule that refused the address. */
      rule: AddressRule;
      /** Why, naming the address: "127.0.0.1 is a loopback address". */
      reason: string;
      /** Why, without the address (for a name's answer, which the caller should not learn): "a loopback address". */
      description: string;
    };

export interface AddressPolicy {
  check(ip: string): AddressVerdict;
  /** Wraps a lookup (default dns.lookup) so that a host with any refused address fails with BlockedAddressError. */
  wrapLookup(lookup?: LookupFunction): LookupFunction;
}

/** The error a wrapped lookup fails with; its code is how the HTTP client recognises a refusal. */
export class BlockedAddressError extends Error {
  readonly code = "EBLOCKED";
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly verdict: Extract<AddressVerdict, { allowed: false }>,
  ) {
    super(`${hostname === address ? address : `${hostname} (${address})`} refused by the outbound address policy: ${verdict.reason}`);
    this.name = "BlockedAddressError";
  }
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

interface Rule {
  cidr: Cidr;
  rule: AddressRule;
  /** "a loopback address", "in the denied range 10.0.0.0/8". */
  description: string;
}

/** Refused unless the operator's allow list says otherwise; private ranges only with refusePrivate. */
const ALWAYS_REFUSED: readonly { cidr: string; rule: AddressRule; description: string }[] = [
  { cidr: "0.0.0.0/8", rule: "unspecified", description: "an unspecified address" },
  { cidr: "::/128", rule: "unspecified", description: "an unspecified address" },
  { cidr: "127.0.0.0/8", rule: "loopback", description: "a loopback address" },
  { cidr: "::1/128", rule: "loopback", description: "a loopback address" },
  { cidr: "169.254.0.0/16", rule: "link-local", description: "a link-local address (cloud metadata included)" },
  { cidr: "fe80::/10", rule: "link-local", description: "a link-local address" },
  { cidr: "224.0.0.0/4", rule: "multicast", description: "a multicast address" },
  { cidr: "ff00::/8", rule: "multicast", description: "a multicast address" },
  { cidr: "255.255.255.255/32", rule: "broadcast", description: "the broadcast address" },
  // AWS's IPv6 instance metadata (inside the unique-local range) and Alibaba Cloud's (inside 100.64/10).
  { cidr: "fd00:ec2::254/128", rule: "cloud-metadata", description: "a cloud metadata address" },
  { cidr: "100.100.100.200/32", rule: "cloud-metadata", description: "a cloud metadata address" },
];

const PRIVATE: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fec0::/10"];

const OWN_ADDRESSES_TTL_MS = 1000;

function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  if (trimmed.includes("/")) {
    const valid = trimmed.includes(":")
      ? ipaddr.IPv6.isValidCIDR(trimmed)
      : ipaddr.IPv4.isValidCIDRFourPartDecimal(trimmed);
    if (!valid) throw new Error(`invalid CIDR in the address policy: "${text}"`);
    const [address, bits] = ipaddr.parseCIDR(trimmed);
    // An IPv4-mapped range must match the IPv4 addresses that process() turns mapped addresses into.
    if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && bits >= 96) {
      return [address.toIPv4Address(), bits - 96];
    }
    return [address, bits];
  }
  const valid = trimmed.includes(":") ? ipaddr.IPv6.isValid(trimmed) : ipaddr.IPv4.isValidFourPartDecimal(trimmed);
  if (!valid) throw new Error(`invalid address in the address policy: "${text}"`);
  const address = ipaddr.process(trimmed);
  return [address, address.kind() === "ipv4" ? 32 : 128];
}

function matches(address: Address, [range, bits]: Cidr): boolean {
  return address.kind() === range.kind() && address.match(range, bits);
}

/** The most specific matching rule, so "deny 10.0.0.0/8, allow 10.1.0.0/16" does what it says. */
function mostSpecific<R extends { cidr: Cidr }>(address: Address, rules: readonly R[]): R | undefined {
  let best: R | undefined;
  for (const rule of rules) {
    if (matches(address, rule.cidr) && (!best || rule.cidr[1] > best.cidr[1])) best = rule;
  }
  return best;
}

const ipv4 = (a: number, b: number, c: number, d: number): ipaddr.IPv4 => new ipaddr.IPv4([a, b, c, d]);

/**
 * The IPv4 address an IPv6 address stands for, where the network would carry it to that IPv4 host:
 * NAT64 (64:ff9b::/96, and 64:ff9b:1::/48 laid out as RFC 6052 says), 6to4 (2002::/16), Teredo
 * (2001::/32: the client's IPv4 is the last 32 bits inverted, RFC 4380), IPv4-compatible (::a.b.c.d)
 * and IPv4-translated (::ffff:0:a.b.c.d). IPv4-mapped is folded into IPv4 before this.
 */
function carriedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const [p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0] = address.parts;
  const low = (): ipaddr.IPv4 => ipv4(p6 >> 8, p6 & 0xff, p7 >> 8, p7 & 0xff);
  if (p0 === 0x64 && p1 === 0xff9b && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0) return low();
  if (p0 === 0x64 && p1 === 0xff9b && p2 === 1) return ipv4(p3 >> 8, p3 & 0xff, p4 & 0xff, p5 >> 8);
  if (p0 === 0x2002) return ipv4(p1 >> 8, p1 & 0xff, p2 >> 8, p2 & 0xff);
  if (p0 === 0x2001 && p1 === 0) return ipv4((~p6 >> 8) & 0xff, ~p6 & 0xff, (~p7 >> 8) & 0xff, ~p7 & 0xff);
  // ::/96 but not :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0 && (p6 !== 0 || p7 > 1)) return low();
  if (p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && p4 === 0xffff && p5 === 0) return low();
  return undefined;
}

/** Every address of every interface of this host, re-read at most once per OWN_ADDRESSES_TTL_MS. */
function interfaceAddresses(): () => readonly string[] {
  let cached: readonly string[] = [];
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    const now = performance.now();
    if (now - readAt >= OWN_ADDRESSES_TTL_MS) {
      cached = Object.values(networkInterfaces())
        .flatMap((entries) => entries ?? [])
        .map((entry) => entry.address);
      readAt = now;
    }
    return cached;
  };
}

export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const allow = (options.allow ?? []).map((text) => ({ cidr: parseCidr(text), text }));
  const deny: Rule[] = (options.deny ?? []).map((text) => ({
    cidr: parseCidr(text),
    rule: "denied-range",
    description: `an address in the denied range ${text}`,
  }));
  const always: Rule[] = ALWAYS_REFUSED.map(({ cidr, rule, description }) => ({ cidr: parseCidr(cidr), rule, description }));
  const privateRules: Rule[] = options.refusePrivate
    ? PRIVATE.map((cidr) => ({ cidr: parseCidr(cidr), rule: "private", description: "a private address" }))
    : [];
  const fixed = [...always, ...privateRules];
  const localAddresses = options.localAddresses ?? interfaceAddresses();

  // The host's own addresses, except those an always-refused rule covers (loopback, link-local): those
  // keep their own rule, so allowing 127.0.0.0/8 for local receivers still works.
  let ownSource: readonly string[] | undefined;
  let ownRules: Rule[] = [];
  const own = (): Rule[] => {
    const source = localAddresses();
    if (source !== ownSource) {
      ownSource = source;
      ownRules = source
        .filter((text) => ipaddr.isValid(text))
        .map((text) => parseCidr(text.replace(/%.*$/, "")))
        .filter(([address]) => !always.some((rule) => matches(address, rule.cidr)))
        .map((cidr) => ({ cidr, rule: "own-address", description: "an address of this host" }));
    }
    return ownRules;
  };

  /** The refusing rule for one address, or undefined when it is allowed. */
  const refusal = (address: Address): Rule | undefined => {
    const allowed = mostSpecific(address, allow);
    const denied = mostSpecific(address, deny);
    if (denied && (!allowed || denied.cidr[1] >= allowed.cidr[1])) return denied;
    // A default refusal yields only to an allow entry at least as specific: allowing 10.0.0.0/8 does not
    // open this host's 10.1.2.3, allowing 127.0.0.0/8 does open loopback.
    const byRange = mostSpecific(address, fixed);
    const byHost = mostSpecific(address, own());
    const refused = byHost && (!byRange || byHost.cidr[1] > byRange.cidr[1]) ? byHost : byRange;
    if (refused && (!allowed || refused.cidr[1] > allowed.cidr[1])) return refused;
    return undefined;
  };

  const check = (ip: string): AddressVerdict => {
    const literal = ip.replace(/^\[|\]$/g, "");
    if (!ipaddr.isValid(literal)) {
      return { allowed: false, rule: "not-an-ip", reason: `"${ip}" is not an IP address`, description: "not an IP address" };
    }
    // process() folds IPv4-mapped IPv6 (::ffff:127.0.0.1) into IPv4, so it cannot dodge IPv4 rules.
    const address = ipaddr.process(literal);
    const direct = refusal(address);
    if (direct) {
      return { allowed: false, rule: direct.rule, reason: `${literal} is ${direct.description}`, description: direct.description };
    }
    const carried = address instanceof ipaddr.IPv6 ? carriedIpv4(address) : undefined;
    const indirect = carried ? refusal(carried) : undefined;
    if (carried && indirect) {
      return {
        allowed: false,
        rule: indirect.rule,
        reason: `${literal} carries ${carried.toString()}, ${indirect.description}`,
        description: `an IPv6 form of ${indirect.description}`,
      };
    }
    return { allowed: true };
  };

  const wrapLookup =
    (lookup: LookupFunction = dns.lookup as LookupFunction): LookupFunction =>
    (hostname, lookupOptions, callback) => {
      const wantsAll = lookupOptions.all === true;
      // Resolve every address once, refuse the host if any is refused, and hand the socket exactly these
      // addresses: there is no second lookup a rebinding DNS server could answer differently.
      const all: LookupOptions = { ...lookupOptions, all: true };
      lookup(hostname, all, (error, result, family) => {
        if (error) {
          callback(error, "", 0);
          return;
        }
        const addresses: LookupAddress[] = Array.isArray(result)
          ? result
          : [{ address: result, family: family ?? (result.includes(":") ? 6 : 4) }];
        if (addresses.length === 0) {
          const notFound = Object.assign(new Error(`no addresses for ${hostname}`), { code: "ENOTFOUND", hostname });
          callback(notFound, "", 0);
          return;
        }
        for (const { address } of addresses) {
          const verdict = check(address);
          if (!verdict.allowed) {
            callback(new BlockedAddressError(hostname, address, verdict), "", 0);
            return;
          }
        }
        const [first] = addresses;
        if (wantsAll || !first) callback(null, addresses);
        else callback(null, first.address, first.family);
      });
    };

  return { check, wrapLookup };
}
