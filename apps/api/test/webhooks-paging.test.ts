// GET /api/v0/webhooks in pages: MSR returns every webhook, which for a system admin of a large
// install is hundreds of megabytes; the listing stops at WEBHOOK_PAGE_SIZE (or pageSize) and says
// where the next page starts in X-Next-Page-Start.
import { randomBytes } from "node:crypto";
import { WEBHOOK_PAGE_SIZE } from "../src/schemas/webhook.schemas.js";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";

interface Listed {
  id: string;
  type: string;
  authorID: string;
}

let ctx: TestContext;
let erin: UserFixture;
let frank: UserFixture;
/** Every webhook id in the order the listing must give them (createdAt, then id). */
let allIds: string[];
let erinIds: string[];

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);

function webhookRow(author: { id: string }, type: string, createdAt: Date) {
  return {
    id: randomBytes(32).toString("hex"),
    type,
    key: "",
    endpoint: "https://example.com/paging",
    authorId: author.id,
    createdAt,
    signingSecret: `whsec_${randomBytes(24).toString("base64")}`,
  };
}

/** Follows X-Next-Page-Start from the first page to the last; returns the ids in order and the page count. */
async function walk(client: () => ReturnType<typeof admin>, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pageStart: string | undefined;
  let pages = 0;
  for (;;) {
    const path = `/api/v0/webhooks?${query}${pageStart ? `&pageStart=${pageStart}` : ""}`;
    const res = await client().get(path).expect(200);
    pages += 1;
    ids.push(...(res.body as Listed[]).map((w) => w.id));
    const next = res.headers["x-next-page-start"] as string | undefined;
    if (next === undefined) return { ids, pages };
    pageStart = next;
  }
}

beforeAll(async () => {
  // The default page as large as pageSize may ask, so that one test reaches the maximum without a pageSize.
  ctx = await createTestContext({ WEBHOOK_LIST_PAGE_SIZE: String(WEBHOOK_PAGE_SIZE) });
  erin = await createUser(ctx, "erin");
  frank = await createUser(ctx, "frank");
  const db = ctx.deps.services.db;
  const base = Date.parse("2026-01-01T00:00:00Z");
  // Equal createdAt on purpose (pairs share a millisecond): the id must break the tie, on every page.
  const rows = [
    ...Array.from({ length: 7 }, (_, i) => webhookRow(erin, i % 2 === 0 ? "TAG_PUSH" : "TAG_PULL", new Date(base + Math.floor(i / 2)))),
    ...Array.from({ length: 5 }, (_, i) => webhookRow(frank, "TAG_PUSH", new Date(base + 10 + Math.floor(i / 2)))),
  ];
  await db.webhook.createMany({ data: rows });
  const ordered = await db.webhook.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { id: true, authorId: true } });
  allIds = ordered.map((w) => w.id);
  erinIds = ordered.filter((w) => w.authorId === erin.id).map((w) => w.id);
});

afterAll(async () => {
  await ctx.close();
});

describe("GET /api/v0/webhooks pages", () => {
  it("returns everything in one page, without X-Next-Page-Start, when it fits (what MSR clients expect)", async () => {
    const res = await admin().get("/api/v0/webhooks").expect(200);
    expect((res.body as Listed[]).map((w) => w.id)).toEqual(allIds);
    expect(res.headers["x-next-page-start"]).toBeUndefined();
  });

  it("walks a system admin's listing page by page, in order, each webhook once", async () => {
    const { ids, pages } = await walk(admin, "pageSize=2");
    expect(ids).toEqual(allIds);
    expect(pages).toBe(Math.ceil(allIds.length / 2));
  });

  it("pages a normal user's own webhooks only", async () => {
    const { ids } = await walk(() => user(erin), "pageSize=3");
    expect(ids).toEqual(erinIds);
  });

  it("pages a webhookType filter", async () => {
    const { ids } = await walk(admin, "pageSize=2&webhookType=TAG_PULL");
    const pulls = (await ctx.deps.services.db.webhook.findMany({ where: { type: "TAG_PULL" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] })).map(
      (w) => w.id,
    );
    expect(ids).toEqual(pulls);
    expect(ids.length).toBeGreaterThan(0);
  });

  it("refuses a pageStart that is not a webhook of the listing", async () => {
    const unknown = randomBytes(32).toString("hex");
    const res = await admin().get(`/api/v0/webhooks?pageStart=${unknown}`).expect(400);
    expect(res.body.errors[0].code).toBe("INVALID_PARAMETERS");
    // Another user's webhook is not part of erin's listing either.
    const franks = allIds.find((id) => !erinIds.includes(id)) as string;
    const other = await user(erin).get(`/api/v0/webhooks?pageStart=${franks}`).expect(400);
    expect(other.body.errors[0].code).toBe("INVALID_PARAMETERS");
  });

  it("refuses a pageSize outside 1..WEBHOOK_PAGE_SIZE and a malformed pageStart", async () => {
    for (const query of ["pageSize=0", `pageSize=${WEBHOOK_PAGE_SIZE + 1}`, "pageSize=two", "pageStart=not-an-id"]) {
      const res = await admin().get(`/api/v0/webhooks?${query}`).expect(400);
      expect(res.body.errors[0].code).toBe("INVALID_PARAMETERS");
    }
  });

  it(`stops at ${WEBHOOK_PAGE_SIZE} webhooks when the client sends no pageSize, and says where to go on`, async () => {
    const db = ctx.deps.services.db;
    const base = Date.parse("2026-02-01T00:00:00Z");
    const extra = WEBHOOK_PAGE_SIZE + 5 - allIds.length;
    await db.webhook.createMany({ data: Array.from({ length: extra }, (_, i) => webhookRow(frank, "TAG_DELETE", new Date(base + i))) });
    const first = await admin().get("/api/v0/webhooks").expect(200);
    const page = first.body as Listed[];
    expect(page.length).toBe(WEBHOOK_PAGE_SIZE);
    const next = first.headers["x-next-page-start"] as string;
    expect(next).toMatch(/^[0-9a-f]{64}$/);
    const rest = await admin().get(`/api/v0/webhooks?pageStart=${next}`).expect(200);
    expect((rest.body as Listed[]).length).toBe(5);
    expect(rest.headers["x-next-page-start"]).toBeUndefined();
    expect(new Set([...page, ...(rest.body as Listed[])].map((w) => w.id)).size).toBe(WEBHOOK_PAGE_SIZE + 5);
  });
});
