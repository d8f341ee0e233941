// POST /api/v0/events/distribution against real PostgreSQL and Redis, with a registry API
// served by a real loopback HTTP server: the registry's token, which registry events become
// which MSR events, the platform read through the registry's API (Basic and bearer-token auth,
// image manifests and indexes), create-on-push, resends, and a registry that cannot be reached.
import { createHash, randomUUID } from "node:crypto";
import request from "supertest";
import { startReceiver, type ReceivedRequest, type Receiver, type ReceiverReply } from "@msr-webhooks/testing/receiver";
import { loadConfig } from "../src/config.js";
import { createTestContext, type TestContext } from "./support/test-context.js";
import { createUser } from "./support/fixtures.js";

const TOKEN = "registry-notification-token-0123456789";
const HOST = "registry.test:5000";
const MEDIA_TYPE = "application/vnd.docker.distribution.events.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const READER = { username: "reader", password: "reader-secret" };
const BEARER = "registry-issued-token";
const TIME = "2026-01-02T03:04:05.123456789Z";

interface Produced {
  id: string;
  type: string;
  duplicate: boolean;
}
interface DistributionAnswer {
  events: Produced[];
  ignored: number;
}

const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A registry API: documents by path; Basic or bearer-token auth, as the test sets. */
class FakeRegistry {
  readonly docs = new Map<string, { type: string; body: string }>();
  auth: "basic" | "bearer" | "none" = "basic";
  receiver!: Receiver;

  async start(): Promise<this> {
    this.receiver = await startReceiver({ handler: (req) => this.answer(req) });
    return this;
  }

  get requests(): ReceivedRequest[] {
    return this.receiver.requests;
  }

  /** Stores an image (config + manifest) in `repository`; returns the manifest digest. */
  addImage(repository: string, platform: { os: string; architecture: string }): string {
    const config = JSON.stringify({ ...platform, rootfs: { type: "layers", diff_ids: [] }, nonce: randomUUID() });
    const configDigest = sha256(config);
    this.docs.set(`/v2/${repository}/blobs/${configDigest}`, { type: "application/octet-stream", body: config });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [],
    });
    const digest = sha256(manifest);
    this.docs.set(`/v2/${repository}/manifests/${digest}`, { type: OCI_MANIFEST, body: manifest });
    return digest;
  }

  /** Stores an index over the given platforms; returns its digest. */
  addIndex(repository: string, mediaType: string, platforms: { os: string; architecture: string }[]): string {
    const manifests = platforms.map((platform) => ({ mediaType: OCI_MANIFEST, digest: sha256(randomUUID()), size: 1, platform }));
    const index = JSON.stringify({ schemaVersion: 2, mediaType, manifests });
    const digest = sha256(index);
    this.docs.set(`/v2/${repository}/manifests/${digest}`, { type: mediaType, body: index });
    return digest;
  }

  private answer(req: ReceivedRequest): ReceiverReply {
    const url = new URL(req.path, "http://x");
    const basic = `Basic ${Buffer.from(`${READER.username}:${READER.password}`).toString("base64")}`;
    if (url.pathname === "/token") {
      if (req.headers.authorization !== basic) return { status: 401 };
      return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ token: BEARER, expires_in: 300 }) };
    }
    if (this.auth === "basic" && req.headers.authorization !== basic) {
      return { status: 401, headers: { "www-authenticate": 'Basic realm="fake"' } };
    }
    if (this.auth === "bearer" && req.headers.authorization !== `Bearer ${BEARER}`) {
      const repo = url.pathname.split("/").slice(2, 4).join("/");
      return {
        status: 401,
        headers: { "www-authenticate": `Bearer realm="${this.receiver.url}/token",service="fake",scope="repository:${repo}:pull"` },
      };
    }
    const doc = this.docs.get(url.pathname);
    if (!doc) return { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' };
    return { status: 200, headers: { "content-type": doc.type }, body: doc.body };
  }
}

function registryEvent(
  action: string,
  target: Record<string, unknown>,
  extra: { id?: string; actor?: string; requestId?: string } = {},
): Record<string, unknown> {
  const repository = target["repository"];
  return {
    id: extra.id ?? randomUUID(),
    timestamp: TIME,
    action,
    target: {
      ...target,
      ...(target["digest"] && target["mediaType"] ? { url: `http://127.0.0.1:5000/v2/${String(repository)}/manifests/${String(target["digest"])}` } : {}),
    },
    request: { id: extra.requestId ?? randomUUID(), addr: "127.0.0.1:1234", host: "127.0.0.1:5000", method: "PUT", useragent: "test" },
    actor: extra.actor === undefined ? {} : { name: extra.actor },
    source: { addr: "registry:5000", instanceID: randomUUID() },
  };
}

function manifestEvent(action: string, repository: string, digest: string, tag?: string, extra: Parameters<typeof registryEvent>[2] = {}) {
  return registryEvent(action, { mediaType: OCI_MANIFEST, size: 400, digest, length: 400, repository, ...(tag ? { tag } : {}) }, extra);
}

let ctx: TestContext;
let registry: FakeRegistry;

function post(c: TestContext, body: unknown, authorization: string | null = `Bearer ${TOKEN}`, type = MEDIA_TYPE) {
  const req = request(c.app).post("/api/v0/events/distribution").set("Content-Type", type);
  if (authorization !== null) req.set("Authorization", authorization);
  return req.send(JSON.stringify(body)).expect((res) => c.openapi.check("post", "/api/v0/events/distribution", res));
}

async function notify(...events: Record<string, unknown>[]): Promise<DistributionAnswer> {
  return (await post(ctx, { events }).expect(202)).body as DistributionAnswer;
}

async function contentsOf(produced: Produced[], type: string): Promise<Record<string, unknown>> {
  const p = produced.find((e) => e.type === type);
  if (!p) throw new Error(`no ${type} in ${JSON.stringify(produced)}`);
  const row = await ctx.deps.services.db.event.findUniqueOrThrow({ where: { id: p.id } });
  expect(row.source).toBe("distribution");
  return row.contents as Record<string, unknown>;
}

beforeAll(async () => {
  registry = await new FakeRegistry().start();
  ctx = await createTestContext({
    REGISTRY_URL: registry.receiver.url,
    REGISTRY_USERNAME: READER.username,
    REGISTRY_PASSWORD: READER.password,
    REGISTRY_NOTIFICATION_TOKEN: TOKEN,
  });
  await createUser(ctx, "alice");
});

afterAll(async () => {
  await ctx.close();
  await registry.receiver.close();
});

beforeEach(() => {
  registry.auth = "basic";
});

describe("the registry's token", () => {
  it("answers 401 without the bearer token or with a wrong one, storing nothing", async () => {
    const digest = registry.addImage("alice/app", { os: "linux", architecture: "amd64" });
    const body = { events: [manifestEvent("push", "alice/app", digest, "v1")] };
    for (const authorization of [null, "Bearer wrong-token-wrong-token", `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`, TOKEN]) {
      const res = await post(ctx, body, authorization).expect(401);
      expect((res.body as { errors: { code: string }[] }).errors[0]!.code).toBe("NOT_AUTHENTICATED");
      if (authorization !== null && !authorization.startsWith("Basic")) {
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer /);
      }
    }
    expect(await ctx.deps.services.db.event.count({ where: { source: "distribution" } })).toBe(0);
  });

  it("accepts the registry's media type and plain JSON, and refuses other media types", async () => {
    await post(ctx, { events: [] }).expect(202);
    await post(ctx, { events: [] }, `Bearer ${TOKEN}`, "application/json").expect(202);
    await post(ctx, { events: [] }, `Bearer ${TOKEN}`, "text/plain").expect(415);
  });

  it("answers 403 while REGISTRY_NOTIFICATION_TOKEN is not set", async () => {
    const disabled = await createTestContext({ REGISTRY_URL: registry.receiver.url });
    try {
      const res = await post(disabled, { events: [] }).expect(403);
      expect((res.body as { errors: { message: string }[] }).errors[0]!.message).toContain("REGISTRY_NOTIFICATION_TOKEN");
    } finally {
      await disabled.close();
    }
  });
});

describe("push", () => {
  it("makes MANIFEST_PUSH and TAG_PUSH with the image's platform, read with the configured credentials", async () => {
    const digest = registry.addImage("alice/web", { os: "linux", architecture: "arm64" });
    const before = registry.requests.length;
    const answer = await notify(manifestEvent("push", "alice/web", digest, "v1", { actor: "alice" }));
    expect(answer.ignored).toBe(0);
    expect(answer.events.map((e) => [e.type, e.duplicate])).toEqual([
      ["REPO_EVENT", false],
      ["MANIFEST_PUSH", false],
      ["TAG_PUSH", false],
    ]);
    expect(await contentsOf(answer.events, "TAG_PUSH")).toEqual({
      namespace: "alice",
      repository: "web",
      tag: "v1",
      digest,
      imageName: `${HOST}/alice/web:v1`,
      os: "linux",
      architecture: "arm64",
      author: "alice",
      pushedAt: TIME,
    });
    expect(await contentsOf(answer.events, "MANIFEST_PUSH")).toEqual({
      namespace: "alice",
      repository: "web",
      tag: "v1",
      digest,
      imageName: `${HOST}/alice/web@${digest}`,
      os: "linux",
      architecture: "arm64",
      author: "alice",
      pushedAt: TIME,
    });
    const tagRow = await ctx.deps.services.db.event.findUniqueOrThrow({ where: { id: answer.events[2]!.id } });
    expect(tagRow.location).toBe("/repositories/alice/web/tags/v1");
    expect(tagRow.createdAt.toISOString()).toBe("2026-01-02T03:04:05.123Z");
    const calls = registry.requests.slice(before).map((r) => r.path);
    expect(calls).toEqual([`/v2/alice/web/manifests/${digest}`, expect.stringMatching(/^\/v2\/alice\/web\/blobs\/sha256:/)]);
    expect(registry.requests[before]!.headers.accept).toContain(OCI_MANIFEST);
    expect(registry.requests[before]!.headers["user-agent"]).toMatch(/\//);
  });

  it("creates an unknown repository in the existing namespace account, private, with REPO_CREATED", async () => {
    const digest = registry.addImage("alice/new-repo", { os: "linux", architecture: "amd64" });
    const answer = await notify(manifestEvent("push", "alice/new-repo", digest, "1.0", { actor: "alice" }));
    const repoEvent = await contentsOf(answer.events, "REPO_EVENT");
    const repo = await ctx.deps.services.db.repository.findFirstOrThrow({ where: { name: "new-repo" }, include: { namespace: true } });
    expect(repo.namespace.name).toBe("alice");
    expect(repo.namespace.isOrg).toBe(false);
    expect(repo.visibility).toBe("private");
    expect(repo.pushes).toBe(1);
    expect(repoEvent).toMatchObject({
      namespace: "alice",
      repository: "new-repo",
      event: "REPO_CREATED",
      author: "alice",
      data: { id: repo.id, namespace: "alice", namespaceType: "user", name: "new-repo", visibility: "private" },
    });
  });

  it("creates an organization for a namespace that has no account", async () => {
    const digest = registry.addImage("teamx/tool", { os: "linux", architecture: "amd64" });
    const answer = await notify(manifestEvent("push", "teamx/tool", digest, "latest"));
    const org = await ctx.deps.services.db.account.findUniqueOrThrow({ where: { name: "teamx" } });
    expect(org.isOrg).toBe(true);
    expect(await ctx.deps.services.db.orgMember.count({ where: { orgId: org.id } })).toBe(0);
    expect(await contentsOf(answer.events, "REPO_EVENT")).toMatchObject({ event: "REPO_CREATED", author: "", data: { namespaceType: "organization" } });
  });

  it("makes up no organization for a namespace shaped like an id, and still records the push", async () => {
    const namespace = "0b6e1f0c-3c0e-4d7e-9a39-6c7d9f1b2a44";
    const digest = registry.addImage(`${namespace}/tool`, { os: "linux", architecture: "amd64" });
    const answer = await notify(manifestEvent("push", `${namespace}/tool`, digest, "latest"));
    expect(await ctx.deps.services.db.account.findUnique({ where: { name: namespace } })).toBeNull();
    expect(answer.events.map((e) => e.type).sort()).toEqual(["MANIFEST_PUSH", "TAG_PUSH"]);
  });

  it("makes only MANIFEST_PUSH, without tag, for a push by digest; no second REPO_CREATED", async () => {
    const digest = registry.addImage("alice/web", { os: "windows", architecture: "amd64" });
    const answer = await notify(manifestEvent("push", "alice/web", digest));
    expect(answer.events.map((e) => e.type)).toEqual(["MANIFEST_PUSH"]);
    const contents = await contentsOf(answer.events, "MANIFEST_PUSH");
    expect(contents["tag"]).toBeUndefined();
    expect(contents).toMatchObject({ os: "windows", architecture: "amd64", imageName: `${HOST}/alice/web@${digest}` });
  });

  it.each([
    ["an OCI index", OCI_INDEX],
    ["a Docker manifest list", DOCKER_LIST],
  ])("reports the platforms of %s joined by commas, leaving out attestations", async (_what, mediaType) => {
    const digest = registry.addIndex("alice/multi", mediaType, [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
      { os: "unknown", architecture: "unknown" },
      { os: "linux", architecture: "amd64" },
    ]);
    const answer = await notify(
      registryEvent("push", { mediaType, size: 500, digest, length: 500, repository: "alice/multi", tag: "multi" }),
    );
    expect(await contentsOf(answer.events, "TAG_PUSH")).toMatchObject({ os: "linux", architecture: "amd64,arm64" });
  });

  it("gets a bearer token from the realm the registry names, with the configured credentials", async () => {
    registry.auth = "bearer";
    const digest = registry.addImage("alice/tokened", { os: "linux", architecture: "s390x" });
    const before = registry.requests.length;
    const answer = await notify(manifestEvent("push", "alice/tokened", digest, "v1"));
    expect(await contentsOf(answer.events, "TAG_PUSH")).toMatchObject({ os: "linux", architecture: "s390x" });
    const token = registry.requests.slice(before).find((r) => r.path.startsWith("/token"));
    expect(new URL(token!.path, "http://x").searchParams.get("scope")).toBe("repository:alice/tokened:pull");
    expect(new URL(token!.path, "http://x").searchParams.get("service")).toBe("fake");
  });

  it("leaves os and architecture empty, and logs a warning, when the registry refuses", async () => {
    registry.auth = "bearer";
    const digest = sha256("not in the registry");
    const answer = await notify(manifestEvent("push", "alice/web", digest, "gone"));
    expect(await contentsOf(answer.events, "TAG_PUSH")).toMatchObject({ os: "", architecture: "" });
    expect(ctx.logs.some((l) => l["level"] === "warn" && String(l["message"]).includes("platform") && l["digest"] === digest)).toBe(true);
  });
});

describe("pull and delete", () => {
  it("makes TAG_PULL and MANIFEST_PULL, counts the pull, and reads the platform once per digest", async () => {
    const digest = registry.addImage("alice/pulled", { os: "linux", architecture: "ppc64le" });
    await notify(manifestEvent("push", "alice/pulled", digest, "v2"));
    const before = registry.requests.length;
    const answer = await notify(manifestEvent("pull", "alice/pulled", digest, "v2", { actor: "bob" }));
    expect(answer.events.map((e) => e.type)).toEqual(["MANIFEST_PULL", "TAG_PULL"]);
    expect(await contentsOf(answer.events, "TAG_PULL")).toEqual({
      namespace: "alice",
      repository: "pulled",
      tag: "v2",
      digest,
      imageName: `${HOST}/alice/pulled:v2`,
      os: "linux",
      architecture: "ppc64le",
      author: "bob",
      pulledAt: TIME,
    });
    expect(registry.requests.length).toBe(before);
    const repo = await ctx.deps.services.db.repository.findFirstOrThrow({ where: { name: "pulled" } });
    expect([repo.pushes, repo.pulls]).toEqual([1, 1]);
  });

  it("ignores the pulls the registry reports for the service's own manifest reads", async () => {
    const digest = registry.addImage("alice/self", { os: "linux", architecture: "amd64" });
    await notify(manifestEvent("push", "alice/self", digest, "v1"));
    const ownAgent = String(registry.requests.at(-1)!.headers["user-agent"]);
    const own = manifestEvent("pull", "alice/self", digest);
    (own["request"] as Record<string, unknown>)["useragent"] = ownAgent;
    expect(await notify(own)).toEqual({ events: [], ignored: 1 });
    const someoneElse = manifestEvent("pull", "alice/self", digest);
    (someoneElse["request"] as Record<string, unknown>)["useragent"] = "docker/27.0";
    expect((await notify(someoneElse)).events.map((e) => e.type)).toEqual(["MANIFEST_PULL"]);
  });

  it("does not create a repository on pull", async () => {
    const digest = registry.addImage("alice/never-pushed", { os: "linux", architecture: "amd64" });
    const answer = await notify(manifestEvent("pull", "alice/never-pushed", digest, "v1"));
    expect(answer.events.map((e) => e.type)).toEqual(["MANIFEST_PULL", "TAG_PULL"]);
    expect(await ctx.deps.services.db.repository.count({ where: { name: "never-pushed" } })).toBe(0);
  });

  it("makes MANIFEST_DELETE, then TAG_DELETE for each tag the registry untags in the same request", async () => {
    const digest = registry.addImage("alice/del", { os: "linux", architecture: "arm64" });
    await notify(manifestEvent("push", "alice/del", digest, "v1"));
    const requestId = randomUUID();
    // What Distribution 2.8 sends for DELETE /v2/alice/del/manifests/<digest>, in separate posts.
    const manifestDelete = await notify(registryEvent("delete", { digest, repository: "alice/del" }, { requestId, actor: "alice" }));
    const tagDelete = await notify(registryEvent("delete", { repository: "alice/del", tag: "v1" }, { requestId, actor: "alice" }));
    expect(manifestDelete.events.map((e) => e.type)).toEqual(["MANIFEST_DELETE"]);
    expect(tagDelete.events.map((e) => e.type)).toEqual(["TAG_DELETE"]);
    expect(await contentsOf(manifestDelete.events, "MANIFEST_DELETE")).toEqual({
      namespace: "alice",
      repository: "del",
      digest,
      imageName: `${HOST}/alice/del@${digest}`,
      os: "linux",
      architecture: "arm64",
      author: "alice",
      deletedAt: TIME,
    });
    expect(await contentsOf(tagDelete.events, "TAG_DELETE")).toMatchObject({ tag: "v1", digest, imageName: `${HOST}/alice/del:v1` });
  });

  it("leaves the platform of a deleted manifest it never saw empty, without asking the registry", async () => {
    const digest = registry.addImage("alice/del2", { os: "linux", architecture: "amd64" });
    const before = registry.requests.length;
    const answer = await notify(registryEvent("delete", { digest, repository: "alice/del2" }));
    expect(await contentsOf(answer.events, "MANIFEST_DELETE")).toMatchObject({ os: "", architecture: "" });
    expect(registry.requests.length).toBe(before);
  });

  it("makes no TAG_DELETE when the manifest delete of its request is unknown, and logs why", async () => {
    const answer = await notify(registryEvent("delete", { repository: "alice/del", tag: "orphan" }));
    expect(answer).toEqual({ events: [], ignored: 1 });
    expect(ctx.logs.some((l) => l["level"] === "warn" && l["tag"] === "orphan")).toBe(true);
  });
});

describe("what is ignored", () => {
  it.each([
    ["a blob push", registryEvent("push", { mediaType: "application/octet-stream", digest: sha256("blob"), size: 3, repository: "alice/web", url: "http://r/v2/alice/web/blobs/x" })],
    ["a blob pull", registryEvent("pull", { mediaType: "application/octet-stream", digest: sha256("blob"), size: 3, repository: "alice/web" })],
    ["a mount", registryEvent("mount", { mediaType: OCI_MANIFEST, digest: sha256("m"), repository: "alice/web" })],
    ["a repository without namespace", manifestEvent("push", "hello-world", sha256("h"), "latest")],
    ["a three-part repository", manifestEvent("push", "a/b/c", sha256("h"), "latest")],
    ["an event without id", { ...manifestEvent("push", "alice/web", sha256("h"), "v1"), id: "" }],
    ["a sha384 digest", manifestEvent("push", "alice/web", `sha384:${"a".repeat(96)}`, "v1")],
    ["a repository path over 255 characters", manifestEvent("push", `alice/${"r".repeat(250)}`, sha256("long"), "v1")],
    ["an invalid tag", manifestEvent("push", "alice/web", sha256("t"), "-leading-dash")],
  ])("ignores %s, counting it", async (_what, event) => {
    const before = await ctx.deps.services.db.event.count();
    expect(await notify(event)).toEqual({ events: [], ignored: 1 });
    expect(await ctx.deps.services.db.event.count()).toBe(before);
  });

  it("handles the manifest events of an envelope that also holds blob events", async () => {
    const digest = registry.addImage("alice/mixed", { os: "linux", architecture: "amd64" });
    const answer = await notify(
      registryEvent("push", { mediaType: "application/octet-stream", digest: sha256("layer"), size: 5, repository: "alice/mixed" }),
      manifestEvent("push", "alice/mixed", digest, "v1"),
    );
    expect(answer.ignored).toBe(1);
    expect(answer.events.map((e) => e.type)).toEqual(["REPO_EVENT", "MANIFEST_PUSH", "TAG_PUSH"]);
  });

  it("uses the time of arrival when the registry's timestamp is not a time", async () => {
    const digest = registry.addImage("alice/web", { os: "linux", architecture: "amd64" });
    const before = Date.now();
    const answer = await notify({ ...manifestEvent("push", "alice/web", digest, "t1"), timestamp: "yesterday" });
    const pushedAt = Date.parse(String((await contentsOf(answer.events, "TAG_PUSH"))["pushedAt"]));
    expect(pushedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(pushedAt).toBeLessThanOrEqual(Date.now());
  });

  it("refuses an envelope whose events is not a list", async () => {
    await post(ctx, { events: {} }).expect(400);
  });
});

describe("resends", () => {
  it("stores a resent registry event once and answers its events as duplicates", async () => {
    const digest = registry.addImage("alice/resent", { os: "linux", architecture: "amd64" });
    const event = manifestEvent("push", "alice/resent", digest, "v1");
    const first = await notify(event);
    const again = await notify(event);
    expect(first.events.map((e) => e.type)).toEqual(["REPO_EVENT", "MANIFEST_PUSH", "TAG_PUSH"]);
    expect(again.events.map((e) => [e.type, e.duplicate])).toEqual([
      ["MANIFEST_PUSH", true],
      ["TAG_PUSH", true],
    ]);
    expect(again.events.map((e) => e.id)).toEqual(first.events.slice(1).map((e) => e.id));
    const rows = await ctx.deps.services.db.event.findMany({ where: { producerId: { startsWith: `distribution:${String(event["id"])}:` } } });
    expect(rows.map((r) => r.producerId).sort()).toEqual(
      ["MANIFEST_PUSH", "REPO_EVENT", "TAG_PUSH"].map((t) => `distribution:${String(event["id"])}:${t}`),
    );
    const repo = await ctx.deps.services.db.repository.findFirstOrThrow({ where: { name: "resent" } });
    expect(repo.pushes).toBe(1);
  });
});

describe("a registry that cannot be reached", () => {
  it("still yields the events, with os and architecture empty and a warning logged", async () => {
    const unreachable = await createTestContext({
      REGISTRY_URL: "http://127.0.0.1:9",
      REGISTRY_NOTIFICATION_TOKEN: TOKEN,
      REGISTRY_TIMEOUT_MS: "2000",
    });
    try {
      const digest = sha256("unreachable");
      const res = await post(unreachable, { events: [manifestEvent("push", "solo/app", digest, "v1")] }).expect(202);
      const answer = res.body as DistributionAnswer;
      expect(answer.events.map((e) => e.type)).toEqual(["REPO_EVENT", "MANIFEST_PUSH", "TAG_PUSH"]);
      const tag = await unreachable.deps.services.db.event.findUniqueOrThrow({ where: { id: answer.events[2]!.id } });
      expect(tag.contents).toMatchObject({ os: "", architecture: "", digest });
      const warning = unreachable.logs.find((l) => l["level"] === "warn" && l["digest"] === digest);
      expect(String(warning?.["error"])).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await unreachable.close();
    }
  });
});

describe("configuration", () => {
  const base = { DATABASE_URL: "postgresql://x@127.0.0.1/db", REDIS_URL: "redis://127.0.0.1:6379" };

  it("reads the registry's API at https://<REGISTRY_HOST> unless REGISTRY_URL says otherwise", () => {
    expect(loadConfig({ ...base, REGISTRY_HOST: "reg.example.com" }).registry).toEqual({
      url: "https://reg.example.com",
      username: undefined,
      password: undefined,
      timeoutMs: 5000,
      notificationToken: undefined,
    });
    const set = loadConfig({
      ...base,
      REGISTRY_URL: "http://10.0.0.5:5000/",
      REGISTRY_USERNAME: "svc",
      REGISTRY_PASSWORD: "pw",
      REGISTRY_TIMEOUT_MS: "1500",
      REGISTRY_NOTIFICATION_TOKEN: TOKEN,
    }).registry;
    expect(set).toEqual({ url: "http://10.0.0.5:5000", username: "svc", password: "pw", timeoutMs: 1500, notificationToken: TOKEN });
  });

  it.each([
    ["REGISTRY_NOTIFICATION_TOKEN", "short"],
    ["REGISTRY_NOTIFICATION_TOKEN", "has a space in it, sixteen+"],
    ["REGISTRY_URL", "ftp://registry"],
    ["REGISTRY_TIMEOUT_MS", "0"],
  ])("refuses a bad %s, naming it", (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
  });
});
