// What a caller may learn of how an endpoint answered: one rule for POST /webhooks/test and the
// delivery log. Any user can point a webhook at an address the worker reaches and the user does not
// (private ranges are allowed by default, for on-premises CI), so an endpoint's answer is a read of
// that network. Unless RESPONSE_DETAIL=everyone (the default once OUTBOUND_REFUSE_PRIVATE=true,
// when only public addresses are reachable), only system admins see response bodies and headers
// and the exact cause of a failure without an HTTP answer. Everyone else gets the status code, the
// kinds http, redirect, dns, blocked and invalid_url, and one kind, "unreachable", for the rest, so
// refused, filtered, reset and non-HTTP ports look alike, and no duration for those failures.

import type { ApiConfig } from "../config.js";

/** Who sees endpoints' whole answers: system admins only, or every user. */
export type ResponseDetail = ApiConfig["webhooks"]["responseDetail"];

/** The one kind a caller without full detail gets for every failure that had no HTTP answer. */
export const UNREACHABLE = "unreachable";
export const UNREACHABLE_MESSAGE =
  "no HTTP answer from the endpoint: the connection was refused, reset or timed out, TLS failed (e.g. an untrusted certificate), or the port does not speak HTTP; a system admin sees which";

/** Kinds shown to every caller: the endpoint answered HTTP, its name did not resolve, or our own policy refused it. */
const ALWAYS_SHOWN: ReadonlySet<string> = new Set(["http", "redirect", "dns", "blocked", "invalid_url"]);

/** Whether `viewer` sees endpoints' whole answers under `detail`. */
export function seesFullDetail(detail: ResponseDetail, viewer: { isAdmin: boolean }): boolean {
  return detail === "everyone" || viewer.isAdmin;
}

/** An attempt's failure as every caller may see it. */
export interface FailureView {
  statusCode: number | null;
  errorKind: string | null;
  errorMessage: string | null;
}

/** True when the failure's kind would tell which network failure happened. */
export function isHiddenFailure(f: FailureView): boolean {
  return f.errorKind !== null && f.statusCode === null && !ALWAYS_SHOWN.has(f.errorKind);
}

/** The failure with its kind and message reduced to "unreachable" when they would reveal the network. */
export function summarizeFailure<T extends FailureView>(f: T): T {
  return isHiddenFailure(f) ? { ...f, errorKind: UNREACHABLE, errorMessage: UNREACHABLE_MESSAGE } : f;
}
