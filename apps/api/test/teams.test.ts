// Teams and team members end to end against real PostgreSQL: who manages and who may look,
// the team object, name rules, team members joining the organization, cascades.
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createTeam, createUser, grantNamespace, grantRepo, type UserFixture } from "./support/fixtures.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface TeamBody {
  id: string;
  orgID: string;
  name: string;
  description: string;
  membersCount: number;
}
interface TeamMembershipBody {
  member: { id: string; name: string };
  isAdmin: boolean;
}

let ctx: TestContext;
let olga: UserFixture; // owner of "globex"
let pete: UserFixture; // plain member of globex
let quinn: UserFixture; // outside globex
let globex: { id: string; name: string };

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);
const errorOf = (body: unknown) => (body as { errors: { code: string; detail?: { field?: string } }[] }).errors[0]!;
const teamCount = (name: string) => ctx.deps.services.db.team.count({ where: { orgId: globex.id, name } });

beforeAll(async () => {
  ctx = await createTestContext();
  olga = await createUser(ctx, "olga");
  pete = await createUser(ctx, "pete");
  quinn = await createUser(ctx, "quinn");
  globex = await createOrg(ctx, "globex", { owners: [olga], members: [pete] });
});

afterAll(async () => {
  await ctx.close();
});

describe("creating teams", () => {
  it("lets the org owner create a team; the object has the documented fields", async () => {
    const res = await user(olga).post("/enzi/v0/accounts/globex/teams").send({ name: "devs", description: "Developers" }).expect(201);
    const team = res.body as TeamBody;
    expect(Object.keys(team).sort()).toEqual(["description", "id", "membersCount", "name", "orgID"]);
    expect(team).toMatchObject({ orgID: globex.id, name: "devs", description: "Developers", membersCount: 0 });
    expect(team.id).toMatch(UUID);
  });

  it("lets a system admin create a team, also addressing the org by id", async () => {
    await admin().post(`/enzi/v0/accounts/id:${globex.id}/teams`).send({ name: "ops" }).expect(201);
  });

  it("accepts the round-tripped fields a Terraform client sends (id \"\", orgID, membersCount)", async () => {
    await user(olga).post("/enzi/v0/accounts/globex/teams").send({ name: "tf", id: "", orgID: globex.id, membersCount: 0 }).expect(201);
    const res = await user(olga).post("/enzi/v0/accounts/globex/teams").send({ name: "tf2", orgID: "00000000-0000-4000-8000-000000000000" }).expect(400);
    expect(errorOf(res.body).detail).toEqual({ field: "orgID" });
    expect(await teamCount("tf2")).toBe(0);
  });

  it("refuses plain members and outsiders (403) and stores nothing", async () => {
    await user(pete).post("/enzi/v0/accounts/globex/teams").send({ name: "rogue" }).expect(403);
    await user(quinn).post("/enzi/v0/accounts/globex/teams").send({ name: "rogue" }).expect(403);
    await anon(ctx).post("/enzi/v0/accounts/globex/teams").send({ name: "rogue" }).expect(401);
    expect(await teamCount("rogue")).toBe(0);
  });

  it("answers 409 TEAM_EXISTS for a taken name", async () => {
    const res = await user(olga).post("/enzi/v0/accounts/globex/teams").send({ name: "devs" }).expect(409);
    expect(errorOf(res.body).code).toBe("TEAM_EXISTS");
  });

  it.each([
    ["an uppercase name", { name: "Devs" }, "name"],
    ["an over-long name", { name: "t".repeat(101) }, "name"],
    ["unicode", { name: "tëam" }, "name"],
    ["a NUL in the description", { name: "nul", description: "a\u0000" }, "description"],
    ["an unknown field", { name: "extra", color: "red" }, "color"],
  ])("answers 400 for %s", async (_what, body, field) => {
    const res = await user(olga).post("/enzi/v0/accounts/globex/teams").send(body).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field } });
  });

  it("answers 404 NO_SUCH_ACCOUNT for an unknown organization or a user in its place", async () => {
    const a = await admin().post("/enzi/v0/accounts/nobody/teams").send({ name: "x" }).expect(404);
    expect(errorOf(a.body).code).toBe("NO_SUCH_ACCOUNT");
    await admin().post("/enzi/v0/accounts/olga/teams").send({ name: "x" }).expect(404);
  });
});

describe("reading teams", () => {
  it("lists teams by name for members and admins, paged; outsiders get 403", async () => {
    const res = await user(pete).get("/enzi/v0/accounts/globex/teams").expect(200);
    const names = (res.body as { teams: TeamBody[] }).teams.map((t) => t.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["devs", "ops"]));
    const page = await admin().get("/enzi/v0/accounts/globex/teams?limit=1").expect(200);
    expect(page.body).toMatchObject({ teams: [{ name: names[0] }], nextPageStart: names[1] });
    await user(quinn).get("/enzi/v0/accounts/globex/teams").expect(403);
  });

  it("gets a team by name, id:<uuid> or bare id; unknown is 404 NO_SUCH_TEAM", async () => {
    const byName = await user(pete).get("/enzi/v0/accounts/globex/teams/devs").expect(200);
    const id = (byName.body as TeamBody).id;
    await user(pete).get(`/enzi/v0/accounts/globex/teams/id:${id}`).expect(200, byName.body as object);
    await user(pete).get(`/enzi/v0/accounts/globex/teams/${id}`).expect(200, byName.body as object);
    const res = await user(pete).get("/enzi/v0/accounts/globex/teams/nope").expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_TEAM");
    await user(quinn).get("/enzi/v0/accounts/globex/teams/devs").expect(403);
    await user(pete).get("/enzi/v0/accounts/globex/teams/id:zzz").expect(400);
  });
});

describe("updating and deleting teams", () => {
  it("renames a team; a taken name is 409, a mismatching id 400", async () => {
    await user(olga).post("/enzi/v0/accounts/globex/teams").send({ name: "temp" }).expect(201);
    const res = await user(olga).patch("/enzi/v0/accounts/globex/teams/temp").send({ name: "renamed", description: "d" }).expect(200);
    expect(res.body).toMatchObject({ name: "renamed", description: "d" });
    const clash = await user(olga).patch("/enzi/v0/accounts/globex/teams/renamed").send({ name: "devs" }).expect(409);
    expect(errorOf(clash.body).code).toBe("TEAM_EXISTS");
    const bad = await user(olga)
      .patch("/enzi/v0/accounts/globex/teams/renamed")
      .send({ id: "00000000-0000-4000-8000-000000000000" })
      .expect(400);
    expect(errorOf(bad.body).detail).toEqual({ field: "id" });
    await user(pete).patch("/enzi/v0/accounts/globex/teams/renamed").send({ description: "x" }).expect(403);
  });

  it("deletes a team with its memberships and grants; only managers may", async () => {
    const team = await createTeam(ctx, globex, "doomed", [pete]);
    const repo = await createRepo(ctx, globex, "doomed-repo");
    await grantRepo(ctx, team, repo, "admin");
    await grantNamespace(ctx, team, globex, "read-only");
    await user(pete).delete("/enzi/v0/accounts/globex/teams/doomed").expect(403);
    await user(olga).delete("/enzi/v0/accounts/globex/teams/doomed").expect(204);
    const db = ctx.deps.services.db;
    expect(await db.team.count({ where: { id: team.id } })).toBe(0);
    expect(await db.teamMember.count({ where: { teamId: team.id } })).toBe(0);
    expect(await db.repositoryTeamAccess.count({ where: { teamId: team.id } })).toBe(0);
    expect(await db.namespaceTeamAccess.count({ where: { teamId: team.id } })).toBe(0);
    // pete stays in the organization.
    expect(await db.orgMember.count({ where: { orgId: globex.id, userId: pete.id } })).toBe(1);
    await user(olga).delete("/enzi/v0/accounts/globex/teams/doomed").expect(404);
  });
});

describe("team members", () => {
  it("adds a user to a team and to the organization; counts members", async () => {
    const rita = await createUser(ctx, "rita");
    const res = await user(olga).put("/enzi/v0/accounts/globex/teams/devs/members/rita").send({ isAdmin: false }).expect(200);
    expect(res.body).toEqual({ member: expect.objectContaining({ id: rita.id, name: "rita" }) as unknown, isAdmin: false });
    const orgMembers = await user(olga).get("/enzi/v0/accounts/globex/members").expect(200);
    const rows = (orgMembers.body as { members: { member: { name: string }; isOwner: boolean }[] }).members;
    expect(rows.find((m) => m.member.name === "rita")).toMatchObject({ isOwner: false });
    // PUT again is harmless; membersCount reflects the team.
    await user(olga).put(`/enzi/v0/accounts/globex/teams/devs/members/id:${rita.id}`).expect(200);
    const team = await user(pete).get("/enzi/v0/accounts/globex/teams/devs").expect(200);
    expect((team.body as TeamBody).membersCount).toBe(1);
    const list = await user(pete).get("/enzi/v0/accounts/globex/teams/devs/members").expect(200);
    expect((list.body as { members: TeamMembershipBody[] }).members.map((m) => m.member.name)).toEqual(["rita"]);
  });

  it("keeps an owner an owner when they join a team", async () => {
    await user(olga).put("/enzi/v0/accounts/globex/teams/ops/members/olga").send({}).expect(200);
    const row = await ctx.deps.services.db.orgMember.findUnique({ where: { orgId_userId: { orgId: globex.id, userId: olga.id } } });
    expect(row!.isOwner).toBe(true);
  });

  it("refuses team admins (400), organizations as members (400), unknown users (404), non-managers (403)", async () => {
    const a = await user(olga).put("/enzi/v0/accounts/globex/teams/devs/members/quinn").send({ isAdmin: true }).expect(400);
    expect(errorOf(a.body).detail).toEqual({ field: "isAdmin" });
    await user(olga).post("/enzi/v0/accounts").send({ name: "other-org", isOrg: true }).expect(201);
    const b = await user(olga).put("/enzi/v0/accounts/globex/teams/devs/members/other-org").send({}).expect(400);
    expect(errorOf(b.body).detail).toEqual({ field: "member" });
    await user(olga).put("/enzi/v0/accounts/globex/teams/devs/members/nobody").send({}).expect(404);
    await user(pete).put("/enzi/v0/accounts/globex/teams/devs/members/quinn").send({}).expect(403);
    await user(olga).put("/enzi/v0/accounts/globex/teams/nope/members/quinn").send({}).expect(404);
    const db = ctx.deps.services.db;
    expect(await db.orgMember.count({ where: { orgId: globex.id, userId: quinn.id } })).toBe(0);
  });

  it("removes a member from a team (organization membership stays); a member may leave", async () => {
    const sam = await createUser(ctx, "sam");
    await user(olga).put("/enzi/v0/accounts/globex/teams/devs/members/sam").send({}).expect(200);
    await user(pete).delete("/enzi/v0/accounts/globex/teams/devs/members/sam").expect(403);
    await user(sam).delete("/enzi/v0/accounts/globex/teams/devs/members/sam").expect(204);
    const again = await user(olga).delete("/enzi/v0/accounts/globex/teams/devs/members/sam").expect(404);
    expect(errorOf(again.body).code).toBe("NO_SUCH_ACCOUNT");
    expect(await ctx.deps.services.db.orgMember.count({ where: { orgId: globex.id, userId: sam.id } })).toBe(1);
  });

  it("lists team members for org members only", async () => {
    await user(quinn).get("/enzi/v0/accounts/globex/teams/devs/members").expect(403);
    await admin().get("/enzi/v0/accounts/globex/teams/devs/members?limit=1").expect(200);
  });
});
