// A team with `admin` access on a whole namespace (repositoryNamespaces/{ns}/teamAccess) makes its
// members admins of every repository in it (DTR access levels), so they may also do what a
// subscription keyed to the namespace needs: subscribe (REPO_EVENT, or a repository type with the
// bare namespace key), list the namespace's webhooks and manage the ones bound to it. A lower grant
// does not; the namespace's team grants stay with its owners.
import { as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createTeam, createUser, grantNamespace, type UserFixture } from "./support/fixtures.js";

interface WebhookBody {
  id: string;
  type: string;
  key: string;
}

let ctx: TestContext;
let maria: UserFixture; // owns acme
let tina: UserFixture; // in a team with admin on the acme namespace
let walt: UserFixture; // in a team with read-write on the acme namespace
let mariasHook: WebhookBody;

const user = (u: UserFixture) => as(ctx, u.name, u.password);

beforeAll(async () => {
  ctx = await createTestContext();
  maria = await createUser(ctx, "maria");
  tina = await createUser(ctx, "tina");
  walt = await createUser(ctx, "walt");
  const acme = await createOrg(ctx, "acme", { owners: [maria] });
  await createRepo(ctx, acme, "app");
  await grantNamespace(ctx, await createTeam(ctx, acme, "ns-admins", [tina]), acme, "admin");
  await grantNamespace(ctx, await createTeam(ctx, acme, "ns-writers", [walt]), acme, "read-write");
  const res = await user(maria).post("/api/v0/webhooks").send({ type: "REPO_EVENT", key: "acme", endpoint: "https://example.com/maria" }).expect(201);
  mariasHook = res.body as WebhookBody;
});

afterAll(async () => {
  await ctx.close();
});

describe("a member of a team with admin on the namespace", () => {
  it("subscribes to REPO_EVENT and to a repository type on the bare namespace key", async () => {
    for (const type of ["REPO_EVENT", "REPO_CREATED", "TAG_PUSH"]) {
      const res = await user(tina).post("/api/v0/webhooks").send({ type, key: "acme", endpoint: `https://example.com/tina-${type}` });
      expect([type, res.status]).toEqual([type, 201]);
    }
  });

  it("lists everyone's webhooks of the namespace on both listing paths", async () => {
    for (const path of ["/api/v0/accounts/acme/webhooks", "/api/v0/repositories/acme/webhooks"]) {
      const res = await user(tina).get(path).expect(200);
      expect((res.body as WebhookBody[]).map((w) => w.id)).toContain(mariasHook.id);
    }
  });

  it("manages a webhook bound to the namespace that someone else made", async () => {
    const res = await user(tina).post("/api/v0/webhooks/update").send({ id: mariasHook.id, inactive: true }).expect(200);
    expect(res.body).toEqual([expect.objectContaining({ id: mariasHook.id, inactive: true })]);
  });

  it("still may not change the namespace's team grants (its owners' business)", async () => {
    await user(tina).put("/api/v0/repositoryNamespaces/acme/teamAccess/ns-writers").send({ accessLevel: "admin" }).expect(403);
  });
});

describe("a member of a team with read-write on the namespace", () => {
  it("may neither subscribe to the namespace nor list its webhooks", async () => {
    const create = await user(walt).post("/api/v0/webhooks").send({ type: "REPO_EVENT", key: "acme", endpoint: "https://example.com/walt" }).expect(403);
    expect(create.body.errors[0].code).toBe("NOT_AUTHORIZED");
    await user(walt).get("/api/v0/accounts/acme/webhooks").expect(403);
    await user(walt).post("/api/v0/webhooks/update").send({ id: mariasHook.id, inactive: false }).expect(404);
  });
});
