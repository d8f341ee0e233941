// End to end with a real CNCF Distribution registry (Debian's docker-registry), skopeo, the API
// listening on loopback and the delivery worker as a process: a push, a pull and a delete in the
// registry reach webhook subscribers as MSR envelopes, and the registry's own resend of a
// notification (its endpoint answered 500 once) is delivered once.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startReceiver, type ReceivedRequest, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo } from "./support/fixtures.js";
import { PUSHER, READER, skopeo, startDistributionRegistry, type DistributionRegistry } from "./support/distribution-registry.js";
import { writeOciImage, type OciImage } from "./support/oci-layout.js";
import { queuesDrained, waitUntil } from "./support/wait.js";
import { startWorker, type WorkerProcess } from "./support/worker-process.js";

const TOKEN = "e2e-registry-notification-token";
const SUBSCRIBED = ["TAG_PUSH", "MANIFEST_PUSH", "TAG_PULL", "TAG_DELETE", "MANIFEST_DELETE"] as const;
const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

interface Envelope {
  type: string;
  createdAt: string;
  contents: Record<string, unknown>;
  location?: string;
}

interface ProxiedNotification {
  eventIds: string[];
  actions: string[];
  /** Who did what to which digest, one entry per event. */
  events: { actor: string; action: string; digest: string }[];
  /** What the API answered, and what the registry was told. */
  apiStatus: number;
  apiBody: unknown;
  sentStatus: number;
}

/**
 * Sits between the registry and the API: forwards every notification, and when told, answers
 * the registry 500 for the next manifest push after the API has stored it (a lost response),
 * so that the registry resends the same event.
 */
class NotificationProxy {
  target = "";
  failNextManifestPush = false;
  readonly seen: ProxiedNotification[] = [];
  private readonly server = http.createServer((req, res) => void this.forward(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const answer = await fetch(`${this.target}${req.url ?? "/"}`, {
      method: req.method ?? "POST",
      headers: { "content-type": req.headers["content-type"] ?? "", authorization: req.headers.authorization ?? "" },
      body: raw,
    });
    const text = await answer.text();
    const events = (
      JSON.parse(raw) as { events: { id: string; action: string; actor?: { name?: string }; target?: { mediaType?: string; digest?: string } }[] }
    ).events;
    const manifestPush = events.some((e) => e.action === "push" && e.target?.mediaType !== "application/octet-stream");
    const fail = this.failNextManifestPush && manifestPush;
    if (fail) this.failNextManifestPush = false;
    const sentStatus = fail ? 500 : answer.status;
    this.seen.push({
      eventIds: events.map((e) => e.id),
      actions: events.map((e) => e.action),
      events: events.map((e) => ({ actor: e.actor?.name ?? "", action: e.action, digest: e.target?.digest ?? "" })),
      apiStatus: answer.status,
      apiBody: JSON.parse(text) as unknown,
      sentStatus,
    });
    res.writeHead(sentStatus, { "content-type": "application/json" });
    res.end(fail ? '{"error":"lost"}' : text);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let ctx: TestContext;
let registry: DistributionRegistry;
let proxy: NotificationProxy;
let api: http.Server;
let receiver: Receiver;
let worker: WorkerProcess;
let tmp: string;
let image: OciImage;

const deliveredTo = (type: string): ReceivedRequest[] => receiver.requests.filter((r) => r.path === `/hooks/${type}`);
const envelopeOf = (r: ReceivedRequest): Envelope => JSON.parse(r.body) as Envelope;

async function oneDelivery(type: string): Promise<Envelope> {
  const [request] = await waitUntil(`a ${type} delivery`, () => (deliveredTo(type).length > 0 ? deliveredTo(type) : false));
  return envelopeOf(request!);
}

function registryAuth(user: { name: string; password: string }): string {
  return `Basic ${Buffer.from(`${user.name}:${user.password}`).toString("base64")}`;
}

/**
 * Resolves once everything the registry had to notify so far has been answered by the API and
 * delivered: the registry sends its notifications one at a time, in order, so once the proxy
 * has passed on a blob read made now (which the API ignores), every notification before it has
 * been answered; the drained queues then hold no delivery still to come.
 */
async function registryQuiet(): Promise<void> {
  const res = await fetch(`${registry.url}/v2/ns/repo/blobs/${image.configDigest}`, { headers: { authorization: registryAuth(PUSHER) } });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  const before = proxy.seen.length;
  await waitUntil("the registry's notification of a read made after everything else", () =>
    proxy.seen
      .slice(before)
      .some((s) => s.events.some((e) => e.actor === PUSHER.name && e.action === "pull" && e.digest === image.configDigest)),
  );
  await queuesDrained(ctx);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "msrwh-e2e-"));
  proxy = new NotificationProxy();
  const proxyUrl = await proxy.start();
  registry = await startDistributionRegistry({
    notifyUrl: `${proxyUrl}/api/v0/events/distribution`,
    notifyToken: TOKEN,
    users: [PUSHER, READER],
  });
  ctx = await createTestContext({
    REGISTRY_URL: registry.url,
    REGISTRY_USERNAME: READER.name,
    REGISTRY_PASSWORD: READER.password,
    REGISTRY_NOTIFICATION_TOKEN: TOKEN,
  });
  api = http.createServer(ctx.app);
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  proxy.target = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  const ns = await createOrg(ctx, "ns");
  await createRepo(ctx, ns, "repo");
  receiver = await startReceiver();
  for (const type of SUBSCRIBED) {
    await as(ctx, ADMIN.username, ADMIN.password)
      .post("/api/v0/webhooks")
      .send({ type, key: "ns/repo", endpoint: `${receiver.url}/hooks/${type}`, skipTLSVerification: true })
      .expect(201);
  }
  worker = await startWorker(ctx);
  image = await writeOciImage(path.join(tmp, "image"), "v1", { os: "linux", architecture: "arm64" });
});

afterAll(async () => {
  await worker?.stop();
  await registry?.stop();
  await proxy?.close();
  await new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined)));
  await receiver?.close();
  await ctx?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("a push with skopeo", () => {
  it("delivers TAG_PUSH with the pushed manifest's digest, tag, platform and imageName", async () => {
    proxy.failNextManifestPush = true;
    await skopeo([
      "copy",
      "--dest-tls-verify=false",
      "--dest-creds",
      `${PUSHER.name}:${PUSHER.password}`,
      `oci:${image.dir}:v1`,
      `docker://${registry.host}/ns/repo:v1`,
    ]);
    const envelope = await oneDelivery("TAG_PUSH");
    expect(envelope).toEqual({
      type: "TAG_PUSH",
      createdAt: expect.stringMatching(GO_TIME),
      contents: {
        namespace: "ns",
        repository: "repo",
        tag: "v1",
        digest: image.manifestDigest,
        imageName: `${ctx.config.registryHost}/ns/repo:v1`,
        os: "linux",
        architecture: "arm64",
        author: PUSHER.name,
        pushedAt: expect.stringMatching(GO_TIME),
      },
      location: "/repositories/ns/repo/tags/v1",
    });
  });

  it("delivers MANIFEST_PUSH for the same manifest", async () => {
    const envelope = await oneDelivery("MANIFEST_PUSH");
    expect(envelope.contents).toEqual({
      namespace: "ns",
      repository: "repo",
      tag: "v1",
      digest: image.manifestDigest,
      imageName: `${ctx.config.registryHost}/ns/repo@${image.manifestDigest}`,
      os: "linux",
      architecture: "arm64",
      author: PUSHER.name,
      pushedAt: expect.stringMatching(GO_TIME),
    });
    expect(envelope.location).toBe(`/repositories/ns/repo/manifests/${image.manifestDigest}`);
  });

  it("delivers once although the registry resent the notification its endpoint failed", async () => {
    const pushes = await waitUntil("the registry's resend", () => {
      const p = proxy.seen.filter((s) => s.actions.includes("push") && s.eventIds.length > 0);
      const failed = p.find((s) => s.sentStatus === 500);
      const resent = failed && p.find((s) => s !== failed && s.eventIds.some((id) => failed.eventIds.includes(id)));
      return failed && resent ? { failed, resent } : false;
    });
    expect(pushes.failed.apiStatus).toBe(202);
    expect(pushes.resent.sentStatus).toBe(202);
    const answer = pushes.resent.apiBody as { events: { type: string; duplicate: boolean }[] };
    expect(answer.events.filter((e) => e.type === "TAG_PUSH")).toEqual([expect.objectContaining({ duplicate: true })]);
    // Everything the resend could have caused has been delivered by now.
    await registryQuiet();
    expect(deliveredTo("TAG_PUSH")).toHaveLength(1);
    expect(deliveredTo("MANIFEST_PUSH")).toHaveLength(1);
    const rows = await ctx.deps.services.db.event.findMany({ where: { type: "TAG_PUSH", source: "distribution" } });
    expect(rows).toHaveLength(1);
    expect(pushes.failed.eventIds).toHaveLength(1);
    expect(rows[0]!.producerId).toBe(`distribution:${pushes.failed.eventIds[0]!}:TAG_PUSH`);
  });

  it("ignores the blob pushes and the API's own reads of the manifest and its config", async () => {
    const ignoredOnly = (action: string) =>
      proxy.seen.filter((s) => {
        const body = s.apiBody as { events: unknown[]; ignored: number };
        return s.actions.includes(action) && body.events.length === 0 && body.ignored > 0;
      });
    expect(ignoredOnly("push").length).toBeGreaterThanOrEqual(2);
    // Nobody but the API has read with the reading account yet.
    expect(ignoredOnly("pull").filter((s) => s.events.every((e) => e.actor === READER.name)).length).toBeGreaterThanOrEqual(2);
    const others = await ctx.deps.services.db.event.findMany({ where: { type: { notIn: ["TAG_PUSH", "MANIFEST_PUSH"] } } });
    expect(others.map((o) => [o.type, o.contents])).toEqual([]);
  });
});

describe("a pull with skopeo", () => {
  it("delivers TAG_PULL by the reading account", async () => {
    await skopeo([
      "copy",
      "--src-tls-verify=false",
      "--src-creds",
      `${READER.name}:${READER.password}`,
      `docker://${registry.host}/ns/repo:v1`,
      `oci:${path.join(tmp, "pulled")}:v1`,
    ]);
    const envelope = await oneDelivery("TAG_PULL");
    // One pull, one TAG_PULL: the blob reads of the pull and the API's own reads made none.
    await registryQuiet();
    expect(deliveredTo("TAG_PULL")).toHaveLength(1);
    expect(envelope.contents).toEqual({
      namespace: "ns",
      repository: "repo",
      tag: "v1",
      digest: image.manifestDigest,
      imageName: `${ctx.config.registryHost}/ns/repo:v1`,
      os: "linux",
      architecture: "arm64",
      author: READER.name,
      pulledAt: expect.stringMatching(GO_TIME),
    });
  });
});

describe("a delete through the registry API", () => {
  it("delivers MANIFEST_DELETE and TAG_DELETE (the registry untags v1 in the same request)", async () => {
    const res = await fetch(`${registry.url}/v2/ns/repo/manifests/${image.manifestDigest}`, {
      method: "DELETE",
      headers: { authorization: registryAuth(PUSHER) },
    });
    expect(res.status).toBe(202);
    const manifest = await oneDelivery("MANIFEST_DELETE");
    expect(manifest.contents).toEqual({
      namespace: "ns",
      repository: "repo",
      digest: image.manifestDigest,
      imageName: `${ctx.config.registryHost}/ns/repo@${image.manifestDigest}`,
      os: "linux",
      architecture: "arm64",
      author: PUSHER.name,
      deletedAt: expect.stringMatching(GO_TIME),
    });
    const tag = await oneDelivery("TAG_DELETE");
    expect(tag.contents).toMatchObject({ tag: "v1", digest: image.manifestDigest, imageName: `${ctx.config.registryHost}/ns/repo:v1` });
    expect(tag.location).toBe("/repositories/ns/repo/tags/v1");
    await registryQuiet();
    expect(deliveredTo("TAG_DELETE")).toHaveLength(1);
    expect(deliveredTo("MANIFEST_DELETE")).toHaveLength(1);
  });
});
