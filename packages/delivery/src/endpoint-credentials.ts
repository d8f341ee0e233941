// Credentials in an endpoint URL (`https://jenkins:apitoken@ci.example.com/hook`, the usual way to
// reach Jenkins): sent as HTTP Basic, as Go's net/http client sends the userinfo of MSR's endpoint
// (percent-decoded, `user:password` in base64), and kept out of every URL, log line and record.

export interface EndpointCredentials {
  /** The URL to request: the endpoint without its userinfo. */
  url: URL;
  /** `Basic <base64(user:password)>`, or null when the endpoint carries no credentials. */
  authorization: string | null;
  /** Texts that give the password away (as written, decoded, the Basic token): scrubbed from what is recorded. */
  secrets: string[];
}

/** Thrown when the userinfo holds a `%` that is not followed by two hex digits (Go's url.Parse refuses it too). */
export class InvalidUserinfoError extends Error {
  constructor() {
    super("endpoint's user:password@ holds a % that is not followed by two hex digits (percent-encode it as %25)");
    this.name = "InvalidUserinfoError";
  }
}

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** The bytes of a percent-encoded string (an escape may stand for any byte, as Go decodes it). */
export function percentDecode(s: string): Buffer {
  if (BAD_ESCAPE.test(s)) throw new InvalidUserinfoError();
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "%") {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // WHATWG URL has percent-encoded everything but ASCII in the userinfo already.
      bytes.push(...Buffer.from(s[i] ?? "", "utf8"));
    }
  }
  return Buffer.from(bytes);
}

/** Whether the URL carries a user name or a password. */
export function hasCredentials(url: URL): boolean {
  return url.username !== "" || url.password !== "";
}

/** Shortest secret text that is scrubbed from recorded text: a shorter one would blank ordinary words. */
export const MIN_SCRUBBED_LENGTH = 4;

/** Splits the endpoint's credentials from its URL. Throws InvalidUserinfoError on a malformed escape. */
export function splitCredentials(endpoint: URL): EndpointCredentials {
  if (!hasCredentials(endpoint)) return { url: endpoint, authorization: null, secrets: [] };
  const user = percentDecode(endpoint.username);
  const password = percentDecode(endpoint.password);
  const token = Buffer.concat([user, Buffer.from(":"), password]).toString("base64");
  const url = new URL(endpoint.href);
  url.username = "";
  url.password = "";
  const secrets = [token, endpoint.password, password.toString("utf8")].filter((s) => s.length >= MIN_SCRUBBED_LENGTH);
  return { url, authorization: `Basic ${token}`, secrets: [...new Set(secrets)] };
}

/** The text with every secret replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("***");
  return out;
}

/** The endpoint as it may be shown where its viewer is not known (logs): the password as `***`. */
export function redactEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.password === "") return endpoint;
    url.password = "***";
    return url.href;
  } catch {
    // Not a URL: whatever stands between `//` and the last `@` of the authority may be a password.
    return endpoint.replace(/^([^:/?#]+:\/\/)[^/?#]*@/, "$1***@");
  }
}
