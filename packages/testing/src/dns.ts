// A DNS stand-in for tests of the outbound policy and endpoint screening: each name answers its listed
// addresses (IPv6 when the address has a colon), `hang` names never answer, `passthrough` names go to
// the system resolver, and every other name is NXDOMAIN (ENOTFOUND), as getaddrinfo reports it.
import dns from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";

export interface FakeDns {
  lookup: LookupFunction;
  /** Every name looked up, in order. */
  calls: string[];
}

export function fakeDns(records: Record<string, string[]>, opts: { hang?: string[]; passthrough?: string[] } = {}): FakeDns {
  const calls: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push(hostname);
    if (opts.hang?.includes(hostname)) return;
    if (opts.passthrough?.includes(hostname)) {
      (dns.lookup as LookupFunction)(hostname, options, callback);
      return;
    }
    const addresses = records[hostname] ?? [];
    const [first] = addresses;
    if (first === undefined) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), "", 0);
      return;
    }
    const all: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    if ((options as LookupOptions).all) (callback as (e: null, a: LookupAddress[]) => void)(null, all);
    else callback(null, first, first.includes(":") ? 6 : 4);
  };
  return { lookup, calls };
}

/** Answers a lookup with one IPv4 address, as a list when the caller asked for `all`. */
function answerLookup(options: unknown, callback: Parameters<LookupFunction>[2], address: string): void {
  const answer: LookupAddress = { address, family: 4 };
  if ((options as LookupOptions).all) (callback as (e: null, a: LookupAddress[]) => void)(null, [answer]);
  else callback(null, address, 4);
}

export interface PolicyDns {
  lookup: LookupFunction;
  /** Every *.test name looked up with its answer, in order. */
  lookups: { hostname: string; answer: string }[];
}

/**
 * The outbound-policy tests' DNS: loopback.test answers 127.0.0.1, metadata.test 169.254.169.254,
 * rebind.test what `rebind(n)` says for its n-th lookup (from 1), any other name the system resolver.
 */
export function policyDns(rebind: (n: number) => string): PolicyDns {
  const lookups: PolicyDns["lookups"] = [];
  let rebindCalls = 0;
  const lookup: LookupFunction = (hostname, options, callback) => {
    let answer: string | null = null;
    if (hostname === "loopback.test") answer = "127.0.0.1";
    if (hostname === "metadata.test") answer = "169.254.169.254";
    if (hostname === "rebind.test") {
      rebindCalls += 1;
      answer = rebind(rebindCalls);
    }
    if (answer === null) {
      (dns.lookup as LookupFunction)(hostname, options, callback);
      return;
    }
    lookups.push({ hostname, answer });
    answerLookup(options, callback, answer);
  };
  return { lookup, lookups };
}
