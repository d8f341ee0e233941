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
