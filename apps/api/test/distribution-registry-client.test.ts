// The registry API client against a real loopback HTTP server playing the registry: each way a
// platform lookup can fail is a RegistryError that says why; and the manifest formats a
// platform is read from (image, index, schema 1) with how several platforms are reported.
import { startReceiver, type Receiver, type ReceiverReply } from "@msr-webhooks/testing/receiver";
import { parseChallenge, RegistryClient } from "../src/registry/registry-client.js";
import { RegistryError } from "../src/registry/registry-error.js";
import { describePlatforms, platformsOfManifest } from "../src/registry/platforms.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const CONFIG = `sha256:${"c".repeat(64)}`;

let server: Receiver;
let reply: (path: string, authorization: string | undefined) => ReceiverReply;

// Where the timeout is not what a test is about, it is one no loopback answer comes near.
function client(options: { username?: string; password?: string; timeoutMs?: number } = {}): RegistryClient {
  return new RegistryClient({ url: server.url, timeoutMs: options.timeoutMs ?? 30_000, userAgent: "test-agent/1", ...options });
}

const json = (body: unknown): ReceiverReply => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const image = { schemaVersion: 2, config: { digest: CONFIG, size: 2 }, layers: [] };

beforeAll(async () => {
  server = await startReceiver({ handler: (req) => reply(req.path, req.headers.authorization) });
});

afterAll(async () => {
  await server.close();
});

describe("RegistryClient.platformsOf", () => {
  it("reads the manifest, then its config, sending the User-Agent", async () => {
    reply = (path) => (path.includes("/manifests/") ? json(image) : json({ os: "linux", architecture: "riscv64" }));
    const before = server.requests.length;
    expect(await client().platformsOf("ns/repo", DIGEST)).toEqual([{ os: "linux", architecture: "riscv64" }]);
    const [manifest, config] = server.requests.slice(before);
    expect(manifest!.path).toBe(`/v2/ns/repo/manifests/${DIGEST}`);
    expect(config!.path).toBe(`/v2/ns/repo/blobs/${CONFIG}`);
    expect(manifest!.headers["user-agent"]).toBe("test-agent/1");
    expect(manifest!.headers.authorization).toBeUndefined();
  });

  it("reuses a bearer token until it expires", async () => {
    reply = (path, auth) => {
      if (path.startsWith("/token")) return json({ access_token: "tok-1", expires_in: 300 });
      if (auth !== "Bearer tok-1") {
        return { status: 401, headers: { "www-authenticate": `Bearer realm="${server.url}/token",service="svc"` } };
      }
      return path.includes("/manifests/") ? json(image) : json({ os: "linux", architecture: "amd64" });
    };
    const c = client({ username: "u", password: "p" });
    const before = server.requests.length;
    await c.platformsOf("ns/cached", DIGEST);
    await c.platformsOf("ns/cached", DIGEST);
    const tokenCalls = server.requests.slice(before).filter((r) => r.path.startsWith("/token"));
    expect(tokenCalls).toHaveLength(1);
    expect(new URL(tokenCalls[0]!.path, "http://x").searchParams.get("scope")).toBe("repository:ns/cached:pull");
    expect(tokenCalls[0]!.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  it.each<[string, (path: string, auth: string | undefined) => ReceiverReply, RegExp]>([
    ["a 404", () => ({ status: 404 }), /HTTP 404/],
    ["a 401 with a Basic challenge", () => ({ status: 401, headers: { "www-authenticate": 'Basic realm="r"' } }), /HTTP 401/],
    [
      "a token realm that refuses the credentials",
      (path) =>
        path.startsWith("/token")
          ? { status: 403 }
          : { status: 401, headers: { "www-authenticate": `Bearer realm="${server.url}/token"` } },
      /token from .*HTTP 403/,
    ],
    [
      "a token answer without a token",
      (path) =>
        path.startsWith("/token") ? json({ nothing: true }) : { status: 401, headers: { "www-authenticate": `Bearer realm="${server.url}/token"` } },
      /no token/,
    ],
    ["an answer that is not JSON", () => ({ status: 200, body: "<html>" }), /not JSON/],
    ["a manifest that is no image", () => json({ schemaVersion: 2, layers: [] }), /not an image manifest/],
    ["a config digest that is not a digest", () => json({ schemaVersion: 2, config: { digest: "../../etc/passwd" } }), /no valid digest/],
    ["a manifest that is not an object", () => json([1, 2]), /not a JSON object/],
  ])("throws a RegistryError for %s", async (_what, handler, message) => {
    reply = handler;
    const attempt = client({ username: "u", password: "p" }).platformsOf("ns/failing", DIGEST);
    await expect(attempt).rejects.toBeInstanceOf(RegistryError);
    await expect(attempt).rejects.toThrow(message);
  });

  it("throws a RegistryError when the registry does not answer in time", async () => {
    // It would answer after ten minutes, and with a manifest: only the 200 ms timeout can fail it.
    reply = (path) => ({ ...(path.includes("/manifests/") ? json(image) : json({ os: "linux", architecture: "amd64" })), delayMs: 600_000 });
    const attempt = client({ timeoutMs: 200 }).platformsOf("ns/slow", DIGEST);
    await expect(attempt).rejects.toBeInstanceOf(RegistryError);
    await expect(attempt).rejects.toThrow(/manifests\/sha256:a+: Timeout awaiting 'request' for 200ms/);
  });

  it("throws a RegistryError when nothing listens", async () => {
    const closed = new RegistryClient({ url: "http://127.0.0.1:9", timeoutMs: 30_000, userAgent: "t" });
    await expect(closed.platformsOf("ns/repo", DIGEST)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("platformsOfManifest", () => {
  const noConfig = () => Promise.reject(new Error("no config expected"));

  it("reads the entries of an index, leaving out unknown/unknown", async () => {
    const index = {
      manifests: [
        { platform: { os: "linux", architecture: "amd64" } },
        { platform: { os: "unknown", architecture: "unknown" } },
        { platform: { os: "windows", architecture: "amd64", "os.version": "10.0" } },
      ],
    };
    expect(await platformsOfManifest(index, noConfig)).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "windows", architecture: "amd64" },
    ]);
  });

  it("reads a Docker schema 1 manifest: architecture inline, os from the newest history entry", async () => {
    const schema1 = { schemaVersion: 1, architecture: "arm", history: [{ v1Compatibility: JSON.stringify({ os: "linux" }) }] };
    expect(await platformsOfManifest(schema1, noConfig)).toEqual([{ os: "linux", architecture: "arm" }]);
    const broken = { schemaVersion: 1, architecture: "arm", history: [{ v1Compatibility: "{" }] };
    expect(await platformsOfManifest(broken, noConfig)).toEqual([{ os: "", architecture: "arm" }]);
  });

  it("reports empty strings for a config without platform fields", async () => {
    expect(await platformsOfManifest(image, () => Promise.resolve({ rootfs: {} }))).toEqual([{ os: "", architecture: "" }]);
  });
});

describe("describePlatforms", () => {
  it.each([
    [[], { os: "", architecture: "" }],
    [[{ os: "linux", architecture: "arm64" }], { os: "linux", architecture: "arm64" }],
    [
      [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
        { os: "windows", architecture: "amd64" },
      ],
      { os: "linux,windows", architecture: "amd64,arm64" },
    ],
  ])("describes %j", (platforms, expected) => {
    expect(describePlatforms(platforms)).toEqual(expected);
  });
});

describe("parseChallenge", () => {
  it("reads the scheme and quoted or bare parameters", () => {
    expect(parseChallenge('Bearer realm="https://auth.example.com/token",service=registry,scope="repository:a/b:pull"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example.com/token", service: "registry", scope: "repository:a/b:pull" },
    });
    expect(parseChallenge(undefined)).toBeNull();
    expect(parseChallenge("")).toBeNull();
  });
});
