// The outbound address policy's settings, declared and read once for both apps: the API judges
// endpoints at subscribe and test time, the worker at every attempt, and the two must agree.
import { isIP } from "node:net";
import { Type, type Static, type TObject } from "@sinclair/typebox";

/** The settings' part of each app's environment schema. */
export const OutboundEnv = {
  OUTBOUND_ALLOW_CIDRS: Type.String({ default: "" }),
  OUTBOUND_DENY_CIDRS: Type.String({ default: "" }),
  // "true": refuse private ranges too (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10).
  OUTBOUND_REFUSE_PRIVATE: Type.Union([Type.Literal("true"), Type.Literal("false")], { default: "false" }),
};
export type OutboundEnv = Static<TObject<typeof OutboundEnv>>;

export interface OutboundSettings {
  allowCidrs: string[];
  denyCidrs: string[];
  refusePrivate: boolean;
}

/** Makes the error thrown for a bad value; its message names the setting and the entry. */
export type SettingError = (message: string) => Error;

/** A list of CIDRs separated by commas or spaces, each `address/prefix`. */
export function cidrList(name: string, value: string, fail: SettingError): string[] {
  const entries = value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const entry of entries) {
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const validPrefix = prefix !== undefined && /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits;
    if (family === 0 || !validPrefix || extra !== undefined) {
      throw fail(`${name}: "${entry}" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`);
    }
  }
  return entries;
}

export function outboundSettings(env: OutboundEnv, fail: SettingError): OutboundSettings {
  return {
    allowCidrs: cidrList("OUTBOUND_ALLOW_CIDRS", env.OUTBOUND_ALLOW_CIDRS, fail),
    denyCidrs: cidrList("OUTBOUND_DENY_CIDRS", env.OUTBOUND_DENY_CIDRS, fail),
    refusePrivate: env.OUTBOUND_REFUSE_PRIVATE === "true",
  };
}
