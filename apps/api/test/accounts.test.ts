// eNZi-style accounts and organization members end to end against real PostgreSQL: who may
// create what, the account object, paging, name rules, membership, deletion.
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createTeam, createUser, type UserFixture } from "./support/fixtures.js";

const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ACCOUNT_FIELDS = ["createdAt", "fullName", "id", "isActive", "isAdmin", "isOrg", "name"];

interface AccountBody {
  id: string;
  name: string;
  fullName: string;
  isOrg: boolean;
  isAdmin: boolean;
  isActive: boolean;
  createdAt: string;
}
interface MembershipBody {
  member: AccountBody;
  isAdmin: boolean;
  isOwner: boolean;
}

let ctx: TestContext;
let alice: UserFixture; // owns the organization "acme"
let bob: UserFixture; // a plain member of acme
let carol: UserFixture; // in no organization
let acme: { id: string; name: string };

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);
const accountCount = (name: string) => ctx.deps.services.db.account.count({ where: { name } });
const errorOf = (body: unknown) => (body as { errors: { code: string; detail?: { field?: string } }[] }).errors[0]!;

beforeAll(async () => {
  ctx = await createTestContext();
  alice = await createUser(ctx, "alice");
  bob = await createUser(ctx, "bob");
  carol = await createUser(ctx, "carol");
  acme = await createOrg(ctx, "acme", { owners: [alice], members: [bob] });
});

afterAll(async () => {
  await ctx.close();
});

describe("POST /enzi/v0/accounts", () => {
  it("lets a system admin create a user; the object has exactly the documented fields and no hash", async () => {
    const res = await admin()
      .post("/enzi/v0/accounts")
      .send({ name: "dora", password: "dora-password", fullName: "Dora Explorer" })
      .expect(201);
    const body = res.body as AccountBody;
    expect(Object.keys(body).sort()).toEqual(ACCOUNT_FIELDS);
    expect(body).toMatchObject({ name: "dora", fullName: "Dora Explorer", isOrg: false, isAdmin: false, isActive: true });
    expect(body.id).toMatch(UUID);
    expect(body.createdAt).toMatch(GO_TIME);
    const row = await ctx.deps.services.db.account.findUnique({ where: { name: "dora" } });
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(row!.passwordHash).not.toContain("dora-password");
    // The new user signs in with the password.
    await as(ctx, "dora", "dora-password").get("/enzi/v0/accounts/dora").expect(200);
  });

  it("lets a system admin create another system admin", async () => {
    const res = await admin().post("/enzi/v0/accounts").send({ name: "root2", password: "root2-password", isAdmin: true }).expect(201);
    expect((res.body as AccountBody).isAdmin).toBe(true);
    // The new admin sees every account, which only admins do.
    const list = await as(ctx, "root2", "root2-password").get("/enzi/v0/accounts?filter=users").expect(200);
    expect((list.body as { accounts: AccountBody[] }).accounts.map((a) => a.name)).toContain("carol");
  });

  it("refuses a normal user creating a user (403) and stores nothing", async () => {
    const res = await user(carol).post("/enzi/v0/accounts").send({ name: "mallory", password: "mallory-password" }).expect(403);
    expect(errorOf(res.body).code).toBe("NOT_AUTHORIZED");
    expect(await accountCount("mallory")).toBe(0);
  });

  it("lets any user create an organization and makes them its owner", async () => {
    const res = await user(carol).post("/enzi/v0/accounts").send({ name: "carol-org", isOrg: true, fullName: "Carol's" }).expect(201);
    expect(res.body as AccountBody).toMatchObject({ name: "carol-org", isOrg: true, isAdmin: false, isActive: true });
    const members = await user(carol).get("/enzi/v0/accounts/carol-org/members").expect(200);
    const list = (members.body as { members: MembershipBody[] }).members;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ member: { name: "carol" }, isAdmin: true, isOwner: true });
  });

  it("accepts the body a Terraform MSR client sends for an organization (id \"\", password \"\", searchLDAP false)", async () => {
    await user(alice)
      .post("/enzi/v0/accounts")
      .send({ name: "tf-org", id: "", password: "", isOrg: true, searchLDAP: false })
      .expect(201);
  });

  it("answers 409 ACCOUNT_EXISTS for a taken name, user or organization", async () => {
    const a = await admin().post("/enzi/v0/accounts").send({ name: "alice", password: "another-password" }).expect(409);
    expect(errorOf(a.body).code).toBe("ACCOUNT_EXISTS");
    const b = await user(bob).post("/enzi/v0/accounts").send({ name: "acme", isOrg: true }).expect(409);
    expect(errorOf(b.body).code).toBe("ACCOUNT_EXISTS");
  });

  it("keeps concurrent creations of one name to one account", async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => user(carol).post("/enzi/v0/accounts").send({ name: "race-org", isOrg: true })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await accountCount("race-org")).toBe(1);
  });

  it.each([
    ["a missing password", { name: "nopass" }, "password"],
    ["a short password", { name: "shortpass", password: "1234567" }, "password"],
    ["an organization with a password", { name: "pw-org", isOrg: true, password: "whatever-pass" }, "password"],
    ["an admin organization", { name: "admin-org", isOrg: true, isAdmin: true }, "isAdmin"],
    ["an inactive organization", { name: "idle-org", isOrg: true, isActive: false }, "isActive"],
    ["LDAP search", { name: "ldap-user", password: "ldap-password", searchLDAP: true }, "searchLDAP"],
    ["an id chosen by the client", { name: "id-user", password: "id-password", id: "x" }, "id"],
    ["an uppercase name", { name: "Dora2", password: "dora-password" }, "name"],
    ["a unicode name", { name: "dörte", password: "dora-password" }, "name"],
    ["a name with a double dot", { name: "a..b", password: "dora-password" }, "name"],
    ["an over-long name", { name: "x".repeat(101), password: "dora-password" }, "name"],
    ["an empty name", { name: "", password: "dora-password" }, "name"],
    ["a missing name", { password: "dora-password" }, "name"],
    ["an unknown field", { name: "extra", password: "dora-password", email: "x@y" }, "email"],
    ["a NUL in fullName", { name: "nul-user", password: "dora-password", fullName: "a\u0000b" }, "fullName"],
    ["a non-boolean isOrg", { name: "str-org", isOrg: "yes" }, "isOrg"],
  ])("answers 400 INVALID_PARAMETERS for %s and stores nothing", async (_what, body, field) => {
    const res = await admin().post("/enzi/v0/accounts").send(body).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field } });
    const name = (body as { name?: unknown }).name;
    if (typeof name === "string") expect(await accountCount(name)).toBe(0);
  });

  it("answers INVALID_JSON for a body that is not JSON or not an object, 415 for another media type", async () => {
    const bad = await admin().post("/enzi/v0/accounts").set("Content-Type", "application/json").send("{nope").expect(400);
    expect(errorOf(bad.body).code).toBe("INVALID_JSON");
    const arr = await admin().post("/enzi/v0/accounts").set("Content-Type", "application/json").send("[1]").expect(400);
    expect(errorOf(arr.body).code).toBe("INVALID_JSON");
    const form = await admin().post("/enzi/v0/accounts").set("Content-Type", "text/plain").send("name=x").expect(415);
    expect(errorOf(form.body).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("needs credentials", async () => {
    const res = await anon(ctx).post("/enzi/v0/accounts").send({ name: "anon-org", isOrg: true }).expect(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
    expect(await accountCount("anon-org")).toBe(0);
  });
});

describe("GET /enzi/v0/accounts", () => {
  it("gives a system admin every account in name order, paged with limit/start", async () => {
    const all = await admin().get("/enzi/v0/accounts?limit=1000").expect(200);
    const names = (all.body as { accounts: AccountBody[]; nextPageStart: string }).accounts.map((a) => a.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["admin", "alice", "bob", "carol", "acme"]));
    expect((all.body as { nextPageStart: string }).nextPageStart).toBe("");

    const first = await admin().get("/enzi/v0/accounts?limit=2").expect(200);
    const p1 = first.body as { accounts: AccountBody[]; nextPageStart: string };
    expect(p1.accounts.map((a) => a.name)).toEqual(names.slice(0, 2));
    expect(p1.nextPageStart).toBe(names[2]);
    const second = await admin().get(`/enzi/v0/accounts?limit=2&start=${p1.nextPageStart}`).expect(200);
    expect((second.body as { accounts: AccountBody[] }).accounts.map((a) => a.name)).toEqual(names.slice(2, 4));
  });

  it("filters users and organizations", async () => {
    const orgs = await admin().get("/enzi/v0/accounts?filter=orgs").expect(200);
    expect((orgs.body as { accounts: AccountBody[] }).accounts.every((a) => a.isOrg)).toBe(true);
    const admins = await admin().get("/enzi/v0/accounts?filter=admins").expect(200);
    expect((admins.body as { accounts: AccountBody[] }).accounts.map((a) => a.name)).toContain("admin");
    expect((admins.body as { accounts: AccountBody[] }).accounts.every((a) => a.isAdmin && !a.isOrg)).toBe(true);
  });

  it("shows a normal user only the organizations and themselves", async () => {
    const res = await user(carol).get("/enzi/v0/accounts").expect(200);
    const accounts = (res.body as { accounts: AccountBody[] }).accounts;
    expect(accounts.map((a) => a.name)).toContain("carol");
    expect(accounts.map((a) => a.name)).toContain("acme");
    expect(accounts.filter((a) => !a.isOrg).map((a) => a.name)).toEqual(["carol"]);
  });

  it.each(["limit=0", "limit=1001", "limit=ten", "filter=robots"])("answers 400 for ?%s", async (q) => {
    const res = await admin().get(`/enzi/v0/accounts?${q}`).expect(400);
    expect(errorOf(res.body).code).toBe("INVALID_PARAMETERS");
  });
});

describe("GET /enzi/v0/accounts/{name}", () => {
  it("returns an account by name, by id:<uuid> and by bare id", async () => {
    const byName = await user(carol).get("/enzi/v0/accounts/alice").expect(200);
    expect(byName.body).toMatchObject({ id: alice.id, name: "alice", isOrg: false });
    await user(carol).get(`/enzi/v0/accounts/id:${alice.id}`).expect(200, byName.body as object);
    await user(carol).get(`/enzi/v0/accounts/${alice.id}`).expect(200, byName.body as object);
    const org = await user(carol).get("/enzi/v0/accounts/acme").expect(200);
    expect(org.body).toMatchObject({ id: acme.id, isOrg: true });
  });

  it("answers 404 NO_SUCH_ACCOUNT for an unknown account", async () => {
    const res = await user(carol).get("/enzi/v0/accounts/nobody").expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_ACCOUNT");
    await user(carol).get("/enzi/v0/accounts/id:00000000-0000-4000-8000-000000000000").expect(404);
  });

  it.each([
    ["an uppercase name", "Alice"],
    ["an id that is not a UUID", "id:not-a-uuid"],
    ["an over-long name", "a".repeat(150)],
    ["unicode", "%C3%A4lice"],
    ["a NUL byte", "ali%00ce"],
  ])("answers 400 INVALID_PARAMETERS for %s in the path", async (_what, ref) => {
    const res = await user(carol).get(`/enzi/v0/accounts/${ref}`).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field: "name" } });
  });
});

describe("PATCH /enzi/v0/accounts/{name}", () => {
  it("lets a user change their own full name but not their admin flag", async () => {
    const ok = await user(carol).patch("/enzi/v0/accounts/carol").send({ fullName: "Carol C." }).expect(200);
    expect(ok.body).toMatchObject({ name: "carol", fullName: "Carol C." });
    const no = await user(carol).patch("/enzi/v0/accounts/carol").send({ isAdmin: true }).expect(403);
    expect(errorOf(no.body).code).toBe("NOT_AUTHORIZED");
    expect((await ctx.deps.services.db.account.findUnique({ where: { name: "carol" } }))!.isAdmin).toBe(false);
  });

  it("refuses changing someone else's account (403), lets the org owner rename the org", async () => {
    await user(carol).patch("/enzi/v0/accounts/alice").send({ fullName: "hacked" }).expect(403);
    await user(bob).patch("/enzi/v0/accounts/acme").send({ fullName: "hacked" }).expect(403);
    const res = await user(alice).patch("/enzi/v0/accounts/acme").send({ fullName: "ACME Corp" }).expect(200);
    expect(res.body).toMatchObject({ name: "acme", fullName: "ACME Corp" });
  });

  it("lets an admin deactivate a user, whose password then stops working at once", async () => {
    const eve = await createUser(ctx, "eve");
    await user(eve).get("/enzi/v0/accounts/eve").expect(200);
    const res = await admin().patch("/enzi/v0/accounts/eve").send({ isActive: false }).expect(200);
    expect(res.body).toMatchObject({ isActive: false });
    await user(eve).get("/enzi/v0/accounts/eve").expect(401);
  });

  it("refuses an admin revoking their own admin rights (400)", async () => {
    const res = await admin().patch("/enzi/v0/accounts/admin").send({ isAdmin: false }).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field: "isAdmin" } });
  });

  it("refuses admin flags on an organization (400)", async () => {
    const res = await admin().patch("/enzi/v0/accounts/acme").send({ isAdmin: true }).expect(400);
    expect(errorOf(res.body).detail).toEqual({ field: "isAdmin" });
  });
});

describe("DELETE /enzi/v0/accounts/{name}", () => {
  it("is for system admins only", async () => {
    await user(alice).delete("/enzi/v0/accounts/carol").expect(403);
    expect(await accountCount("carol")).toBe(1);
  });

  it("deletes the account and announces each of its repositories as REPO_DELETED", async () => {
    const gone = await createUser(ctx, "gone");
    await createRepo(ctx, gone, "one", "public");
    await createRepo(ctx, gone, "two", "private");
    await admin().delete("/enzi/v0/accounts/gone").expect(204);
    await admin().get("/enzi/v0/accounts/gone").expect(404);
    expect(await ctx.deps.services.db.repository.count({ where: { namespaceId: gone.id } })).toBe(0);
    const events = await ctx.deps.services.db.event.findMany({ where: { namespace: "gone" }, orderBy: { repository: "asc" } });
    expect(events.map((e) => [e.type, e.repository, e.contents])).toEqual([
      ["REPO_EVENT", "one", { namespace: "gone", repository: "one", event: "REPO_DELETED", author: "admin", data: {} }],
      ["REPO_EVENT", "two", { namespace: "gone", repository: "two", event: "REPO_DELETED", author: "admin", data: {} }],
    ]);
    await user(gone).get("/enzi/v0/accounts/alice").expect(401);
  });

  it("refuses an admin deleting themselves (400) and answers 404 for an unknown account", async () => {
    await admin().delete("/enzi/v0/accounts/admin").expect(400);
    const res = await admin().delete("/enzi/v0/accounts/nobody").expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_ACCOUNT");
  });
});

describe("organization members", () => {
  it("lists members for members and admins, refuses others (403)", async () => {
    const res = await user(bob).get("/enzi/v0/accounts/acme/members").expect(200);
    const members = (res.body as { members: MembershipBody[]; nextPageStart: string }).members;
    expect(members.map((m) => [m.member.name, m.isAdmin, m.isOwner])).toEqual([
      ["alice", true, true],
      ["bob", false, false],
    ]);
    await admin().get("/enzi/v0/accounts/acme/members").expect(200);
    const no = await user(carol).get("/enzi/v0/accounts/acme/members").expect(403);
    expect(errorOf(no.body).code).toBe("NOT_AUTHORIZED");
  });

  it("answers 404 for an unknown organization or a user's account in the org position", async () => {
    await admin().get("/enzi/v0/accounts/nobody/members").expect(404);
    const res = await admin().get("/enzi/v0/accounts/alice/members").expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_ACCOUNT");
  });

  it("lets the owner add a member, promote them (isAdmin or isOwner) and keep the role on a bare PUT", async () => {
    const frank = await createUser(ctx, "frank");
    const added = await user(alice).put("/enzi/v0/accounts/acme/members/frank").send({}).expect(200);
    expect(added.body).toMatchObject({ member: { id: frank.id, name: "frank" }, isAdmin: false, isOwner: false });
    const promoted = await user(alice).put(`/enzi/v0/accounts/acme/members/id:${frank.id}`).send({ isAdmin: true }).expect(200);
    expect(promoted.body).toMatchObject({ isAdmin: true, isOwner: true });
    const same = await user(alice).put("/enzi/v0/accounts/acme/members/frank").send({ isPublic: true }).expect(200);
    expect(same.body).toMatchObject({ isOwner: true });
    // frank, now an owner, manages the organization.
    await user(frank).put("/enzi/v0/accounts/acme/members/frank").send({ isOwner: false }).expect(200);
    await user(frank).put("/enzi/v0/accounts/acme/members/carol").send({}).expect(403);
  });

  it("refuses a plain member adding members (403) and stores nothing", async () => {
    await user(bob).put("/enzi/v0/accounts/acme/members/carol").send({}).expect(403);
    expect(await ctx.deps.services.db.orgMember.count({ where: { orgId: acme.id, userId: carol.id } })).toBe(0);
  });

  it("answers 400 for disagreeing isAdmin/isOwner and for an organization as member, 404 for an unknown user", async () => {
    const a = await user(alice).put("/enzi/v0/accounts/acme/members/carol").send({ isAdmin: true, isOwner: false }).expect(400);
    expect(errorOf(a.body).detail).toEqual({ field: "isOwner" });
    const b = await user(alice).put("/enzi/v0/accounts/acme/members/carol-org").send({}).expect(400);
    expect(errorOf(b.body).detail).toEqual({ field: "member" });
    const c = await user(alice).put("/enzi/v0/accounts/acme/members/nobody").send({}).expect(404);
    expect(errorOf(c.body).code).toBe("NO_SUCH_ACCOUNT");
    expect(await ctx.deps.services.db.orgMember.count({ where: { orgId: acme.id, userId: carol.id } })).toBe(0);
  });

  it("takes a PUT without a body as {} (a plain membership), but refuses a JSON array", async () => {
    const arr = await user(alice).put("/enzi/v0/accounts/acme/members/carol").set("Content-Type", "application/json").send("[]").expect(400);
    expect(errorOf(arr.body).code).toBe("INVALID_JSON");
    expect(await ctx.deps.services.db.orgMember.count({ where: { orgId: acme.id, userId: carol.id } })).toBe(0);
    const res = await user(alice).put("/enzi/v0/accounts/acme/members/carol").expect(200);
    expect(res.body).toMatchObject({ member: { name: "carol" }, isOwner: false });
    await user(alice).delete("/enzi/v0/accounts/acme/members/carol").expect(204);
  });

  it("removes a member together with their team memberships in that organization", async () => {
    const gina = await createUser(ctx, "gina");
    const team = await createTeam(ctx, acme, "builders", [gina]);
    await user(alice).delete("/enzi/v0/accounts/acme/members/gina").expect(204);
    const db = ctx.deps.services.db;
    expect(await db.orgMember.count({ where: { orgId: acme.id, userId: gina.id } })).toBe(0);
    expect(await db.teamMember.count({ where: { teamId: team.id, userId: gina.id } })).toBe(0);
    const again = await user(alice).delete("/enzi/v0/accounts/acme/members/gina").expect(404);
    expect(errorOf(again.body).code).toBe("NO_SUCH_ACCOUNT");
  });

  it("lets a member leave, but not remove others (403)", async () => {
    const hank = await createUser(ctx, "hank");
    await user(alice).put("/enzi/v0/accounts/acme/members/hank").send({}).expect(200);
    await user(hank).delete("/enzi/v0/accounts/acme/members/bob").expect(403);
    await user(hank).delete("/enzi/v0/accounts/acme/members/hank").expect(204);
    expect(await ctx.deps.services.db.orgMember.count({ where: { orgId: acme.id, userId: hank.id } })).toBe(0);
  });

  it("pages members with limit/start", async () => {
    const first = await admin().get("/enzi/v0/accounts/acme/members?limit=1").expect(200);
    const page = first.body as { members: MembershipBody[]; nextPageStart: string };
    expect(page.members.map((m) => m.member.name)).toEqual(["alice"]);
    expect(page.nextPageStart).toBe("bob");
    const next = await admin().get(`/enzi/v0/accounts/acme/members?limit=1&start=${page.nextPageStart}`).expect(200);
    expect((next.body as { members: MembershipBody[] }).members.map((m) => m.member.name)).toEqual(["bob"]);
  });
});
