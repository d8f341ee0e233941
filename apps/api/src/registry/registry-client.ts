// Reads an image's platform from the registry's own API (`GET /v2/<name>/manifests/<digest>`,
// then the image configuration blob), with the configured credentials: HTTP Basic, or a bearer
// token from the realm the registry names in its challenge (Docker's token authentication).
import got, { type Got, type Response } from "got";
import { platformsOfManifest, type Platform } from "./platforms.js";
import { RegistryError } from "./registry-error.js";

export interface RegistryClientOptions {
  /** Base URL, e.g. https://registry.example.com (no trailing slash). */
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  timeoutMs: number;
  userAgent: string;
}

/** Every manifest format we can read a platform from, newest first. */
const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
  "application/vnd.docker.distribution.manifest.v1+json",
].join(", ");

/** Bearer tokens are kept per repository; past this many, the cache starts over. */
const MAX_CACHED_TOKENS = 1000;

/** Manifests and image configurations are small; anything bigger is not one. */
const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

// `Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a/b:pull"`
export function parseChallenge(header: string | undefined): Challenge | null {
  const m = header === undefined ? null : /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return null;
  const [, scheme = "", rest = ""] = m;
  const params: Record<string, string> = {};
  for (const [, key = "", quoted, bare] of rest.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[key.toLowerCase()] = (quoted ?? bare ?? "").replace(/\\(.)/g, "$1");
  }
  return { scheme: scheme.toLowerCase(), params };
}

export class RegistryClient {
  private readonly http: Got;
  private readonly tokens = new Map<string, { token: string; expires: number }>();

  constructor(private readonly options: RegistryClientOptions) {
    this.http = got.extend({
      timeout: { request: options.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      headers: { "user-agent": options.userAgent },
    });
  }

  /** The platforms of the manifest `digest` in `repository`: one for an image, each entry's for an index. */
  async platformsOf(repository: string, digest: string): Promise<Platform[]> {
    const manifest = await this.getJson(repository, `manifests/${digest}`, MANIFEST_ACCEPT);
    return platformsOfManifest(manifest, (config) => this.getJson(repository, `blobs/${config}`, "application/json, */*"));
  }

  private basic(): string | undefined {
    const { username, password } = this.options;
    if (username === undefined) return undefined;
    return `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}`;
  }

  private async getJson(repository: string, path: string, accept: string): Promise<unknown> {
    const url = `${this.options.url}/v2/${repository}/${path}`;
    const cached = this.tokens.get(repository);
    const first = cached && cached.expires > Date.now() ? `Bearer ${cached.token}` : this.basic();
    let res = await this.get(url, accept, first);
    if (res.statusCode === 401) {
      const challenge = parseChallenge(res.headers["www-authenticate"]);
      if (challenge?.scheme === "bearer" && challenge.params["realm"] !== undefined) {
        res = await this.get(url, accept, `Bearer ${await this.token(repository, challenge.params)}`);
      }
    }
    if (res.statusCode !== 200) throw new RegistryError(`GET ${url}: HTTP ${res.statusCode}`);
    return parseDocument(res, url);
  }

  private async get(url: string, accept: string, authorization: string | undefined): Promise<Response<Buffer>> {
    const headers: Record<string, string> = { accept };
    if (authorization !== undefined) headers["authorization"] = authorization;
    try {
      return await this.http.get(url, { headers, responseType: "buffer" });
    } catch (err) {
      throw new RegistryError(`GET ${url}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // Docker token authentication: the realm answers {token} (or {access_token}) for a scope.
  private async token(repository: string, params: Record<string, string>): Promise<string> {
    const realm = new URL(params["realm"] ?? "");
    if (params["service"] !== undefined) realm.searchParams.set("service", params["service"]);
    realm.searchParams.set("scope", params["scope"] ?? `repository:${repository}:pull`);
    const res = await this.get(realm.toString(), "application/json", this.basic());
    if (res.statusCode !== 200) throw new RegistryError(`token from ${realm.origin}${realm.pathname}: HTTP ${res.statusCode}`);
    const body = parseDocument(res, realm.toString()) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === "string" ? body.token : body.access_token;
    if (typeof token !== "string" || token === "") throw new RegistryError(`token from ${realm.origin}: no token in the answer`);
    // Docker's default lifetime is 60 s; renew a little early.
    const lifetime = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
    if (this.tokens.size >= MAX_CACHED_TOKENS) this.tokens.clear();
    this.tokens.set(repository, { token, expires: Date.now() + Math.max(0, lifetime - 10) * 1000 });
    return token;
  }
}

function parseDocument(res: Response<Buffer>, url: string): unknown {
  if (res.body.length > MAX_DOCUMENT_BYTES) throw new RegistryError(`GET ${url}: answer larger than ${MAX_DOCUMENT_BYTES} bytes`);
  try {
    return JSON.parse(res.body.toString("utf8")) as unknown;
  } catch {
    throw new RegistryError(`GET ${url}: the answer is not JSON`);
  }
}
