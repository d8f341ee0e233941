// Outbound address policy: which IPs a webhook may reach, and a DNS lookup that connects only to checked ones.
import dns from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

export interface AddressPolicyOptions {
  /** CIDRs (or single IPs) reachable even when a default rule refuses them, e.g. "127.0.0.0/8". */
  allow?: readonly string[];
  /** CIDRs (or single IPs) refused, e.g. "10.0.0.0/8" to keep webhooks off private networks. */
  deny?: readonly string[];
}

export interface AddressVerdict {
  allowed: boolean;
  /** Why an address was refused. */
  reason?: string;
}

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
    reason: string,
  ) {
    super(`${hostname === address ? address : `${hostname} (${address})`} refused by the outbound address policy: ${reason}`);
    this.name = "BlockedAddressError";
  }
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

interface Rule {
  cidr: Cidr;
  text: string;
}

/** Refused unless the operator's allow list says otherwise; private ranges are deliberately absent. */
const DEFAULT_DENY: readonly { cidr: string; label: string }[] = [
  { cidr: "0.0.0.0/8", label: "unspecified" },
  { cidr: "::/128", label: "unspecified" },
  { cidr: "127.0.0.0/8", label: "loopback" },
  { cidr: "::1/128", label: "loopback" },
  { cidr: "169.254.0.0/16", label: "link-local (includes cloud metadata 169.254.169.254)" },
  { cidr: "fe80::/10", label: "link-local" },
  { cidr: "224.0.0.0/4", label: "multicast" },
  { cidr: "ff00::/8", label: "multicast" },
  { cidr: "255.255.255.255/32", label: "broadcast" },
];

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

function matches(address: ipaddr.IPv4 | ipaddr.IPv6, [range, bits]: Cidr): boolean {
  return address.kind() === range.kind() && address.match(range, bits);
}

/** The most specific matching rule, so "deny 10.0.0.0/8, allow 10.1.0.0/16" does what it says. */
function mostSpecific(address: ipaddr.IPv4 | ipaddr.IPv6, rules: readonly Rule[]): Rule | undefined {
  let best: Rule | undefined;
  for (const rule of rules) {
    if (matches(address, rule.cidr) && (!best || rule.cidr[1] > best.cidr[1])) best = rule;
  }
  return best;
}

export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const allow = (options.allow ?? []).map((text) => ({ cidr: parseCidr(text), text }));
  const deny = (options.deny ?? []).map((text) => ({ cidr: parseCidr(text), text }));
  const defaults = DEFAULT_DENY.map(({ cidr, label }) => ({ cidr: parseCidr(cidr), label }));

  const check = (ip: string): AddressVerdict => {
    const literal = ip.replace(/^\[|\]$/g, "");
    if (!ipaddr.isValid(literal)) return { allowed: false, reason: `"${ip}" is not an IP address` };
    // process() folds IPv4-mapped IPv6 (::ffff:127.0.0.1) into IPv4, so it cannot dodge IPv4 rules.
    const address = ipaddr.process(literal);
    const allowed = mostSpecific(address, allow);
    const denied = mostSpecific(address, deny);
    if (denied && (!allowed || denied.cidr[1] >= allowed.cidr[1])) {
      return { allowed: false, reason: `${literal} is in the denied range ${denied.text}` };
    }
    if (allowed) return { allowed: true };
    const refused = defaults.find((rule) => matches(address, rule.cidr));
    if (refused) return { allowed: false, reason: `${literal} is a ${refused.label} address` };
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
            callback(new BlockedAddressError(hostname, address, verdict.reason ?? "refused"), "", 0);
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
