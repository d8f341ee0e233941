// Screening an endpoint's host when it is subscribed or tested: a literal address is judged at once; a
// name is resolved through the same policy-wrapped lookup deliveries use, within a time bound. Only a
// definite refusal refuses: a name that does not resolve (in time, or at all) passes, and every delivery
// checks its addresses again anyway.
import { isIP, type LookupFunction } from "node:net";
import { BlockedAddressError, type AddressPolicy, type AddressRule } from "./address-policy.js";

export type ScreenVerdict =
  | { refused: false; /** Why nothing was decided (a name that did not resolve in time or at all). */ unresolved?: string }
  | { refused: true; rule: AddressRule; /** "127.0.0.1 is a loopback address"; a name's addresses are not named. */ message: string };

export interface EndpointScreenOptions {
  policy: AddressPolicy;
  /** DNS lookup to use instead of dns.lookup (tests point hostnames where they choose). */
  lookup?: LookupFunction;
  /** How long a name's lookup may take before the name passes unresolved; 0: names are not resolved. */
  lookupTimeoutMs: number;
}

/** Judges a URL's hostname (brackets around an IPv6 literal allowed). */
export type EndpointScreen = (hostname: string) => Promise<ScreenVerdict>;

export function createEndpointScreen(options: EndpointScreenOptions): EndpointScreen {
  const lookup = options.policy.wrapLookup(options.lookup);
  const timeoutMs = options.lookupTimeoutMs;

  const resolveName = (host: string): Promise<ScreenVerdict> =>
    new Promise((resolve) => {
      // The lookup cannot be cancelled; a late answer is ignored.
      const timer = setTimeout(() => resolve({ refused: false, unresolved: `no DNS answer within ${timeoutMs} ms` }), timeoutMs);
      const settle = (verdict: ScreenVerdict): void => {
        clearTimeout(timer);
        resolve(verdict);
      };
      try {
        lookup(host, { all: true }, (error) => {
          if (error instanceof BlockedAddressError) {
            settle({ refused: true, rule: error.verdict.rule, message: `${host} resolves to ${error.verdict.description}` });
          } else {
            settle(error ? { refused: false, unresolved: error.message } : { refused: false });
          }
        });
      } catch (error) {
        settle({ refused: false, unresolved: error instanceof Error ? error.message : String(error) });
      }
    });

  return async (hostname) => {
    const host = hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0) {
      const verdict = options.policy.check(host);
      return verdict.allowed ? { refused: false } : { refused: true, rule: verdict.rule, message: verdict.reason };
    }
    if (timeoutMs === 0) return { refused: false, unresolved: "names are not resolved at subscribe time" };
    return resolveName(host);
  };
}
