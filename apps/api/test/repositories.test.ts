// Repositories and team access end to end against real PostgreSQL and Redis: the repository
// object, MSR's access rules (own namespace, org owner, team grants, system admin, hiding private
// repositories), the REPO_EVENT each change stores, and bad input.
import { validateContents } from "@msr-webhooks/events/validate";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import {
  createOrg,
  createRepo,
  createTeam,
  createUser,
  grantNamespace,
  grantRepo,
  type UserFixture,
} from "./support/fixtures.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REPOSITORY_FIELDS = [
  "enableManifestLists",
  "id",
  "immutableTags",
  "longDescription",
  "name",
  "namespace",
  "namespaceType",
  "pulls",
  "pushes",
  "scanOnPush",
  "shortDescription",
  "tagLimit",
  "visibility",
];

interface RepoBody {
  id: string;
  namespace: string;
  namespaceType: string;
  name: string;
  visibility: string;
  shortDescription: string;
  tagLimit: number;
}

let ctx: TestContext;
let una: UserFixture; // owner of the organization "initech"
let vic: UserFixture; // in team "admins" (admin on the whole initech namespace)
let wes: UserFixture; // in team "writers" (read-write on the namespace)
let xia: UserFixture; // in team "readers" (read-only on initech/secret only)
let yan: UserFixture; // a plain user with no rights in initech
let initech: { id: string; name: string };
let readers: { id: string; name: string };
let secret: { id: string; name: string };

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);
const errorOf = (body: unknown) => (body as { errors: { code: string; detail?: { field?: string } }[] }).errors[0]!;
const db = () => ctx.deps.services.db;
const eventsFor = (namespace: string, repository: string) =>
  db().event.findMany({ where: { namespace, repository, type: "REPO_EVENT" }, orderBy: { receivedAt: "asc" } });
const repoCount = (namespaceId: string, name: string) => db().repository.count({ where: { namespaceId, name } });

beforeAll(async () => {
  ctx = await createTestContext();
  una = await createUser(ctx, "una");
  vic = await createUser(ctx, "vic");
  wes = await createUser(ctx, "wes");
  xia = await createUser(ctx, "xia");
  yan = await createUser(ctx, "yan");
  initech = await createOrg(ctx, "initech", { owners: [una] });
  await grantNamespace(ctx, await createTeam(ctx, initech, "admins", [vic]), initech, "admin");
  await grantNamespace(ctx, await createTeam(ctx, initech, "writers", [wes]), initech, "read-write");
  readers = await createTeam(ctx, initech, "readers", [xia]);
  secret = await createRepo(ctx, initech, "secret", "private");
  await grantRepo(ctx, readers, secret, "read-only");
  await createRepo(ctx, initech, "open", "public");
  await createRepo(ctx, initech, "hidden", "private");
});

afterAll(async () => {
  await ctx.close();
});

describe("POST /api/v0/repositories/{namespace}", () => {
  it("creates a repository in the caller's own namespace with MSR's defaults and stores a REPO_CREATED event", async () => {
    const res = await user(yan).post("/api/v0/repositories/yan").send({ name: "app" }).expect(201);
    const repo = res.body as RepoBody;
    expect(Object.keys(repo).sort()).toEqual(REPOSITORY_FIELDS);
    expect(repo).toEqual({
      id: expect.stringMatching(UUID) as unknown,
      namespace: "yan",
      namespaceType: "user",
      name: "app",
      shortDescription: "",
      longDescription: "",
      visibility: "public",
      scanOnPush: false,
      immutableTags: false,
      enableManifestLists: false,
      pulls: 0,
      pushes: 0,
      tagLimit: 0,
    });
    const events = await eventsFor("yan", "app");
    expect(events).toHaveLength(1);
    expect(events[0]!).toMatchObject({ type: "REPO_EVENT", source: "api", location: "/repositories/yan/app" });
    expect(events[0]!.contents).toEqual({ namespace: "yan", repository: "app", event: "REPO_CREATED", author: "yan", data: repo });
    expect(validateContents("REPO_EVENT", events[0]!.contents).ok).toBe(true);
  });

  it("takes every optional field", async () => {
    const body = {
      name: "full",
      shortDescription: "short",
      longDescription: "# long\n\ntext ✓",
      visibility: "private",
      scanOnPush: true,
      immutableTags: true,
      enableManifestLists: true,
      tagLimit: 10,
    };
    const res = await user(una).post("/api/v0/repositories/initech").send(body).expect(201);
    expect(res.body).toMatchObject({ ...body, namespace: "initech", namespaceType: "organization" });
  });

  it("lets the org owner, a team with admin on the namespace and a system admin create; stores their name as author", async () => {
    await user(una).post("/api/v0/repositories/initech").send({ name: "by-owner" }).expect(201);
    await user(vic).post("/api/v0/repositories/initech").send({ name: "by-team-admin" }).expect(201);
    await admin().post("/api/v0/repositories/initech").send({ name: "by-admin" }).expect(201);
    const [e] = await eventsFor("initech", "by-team-admin");
    expect(e!.contents).toMatchObject({ event: "REPO_CREATED", author: "vic" });
  });

  it("refuses read-write teams, outsiders and another user's namespace (403) and stores nothing", async () => {
    for (const [u, ns, nsId] of [
      [wes, "initech", initech.id],
      [yan, "initech", initech.id],
      [yan, "una", una.id],
    ] as const) {
      const res = await user(u).post(`/api/v0/repositories/${ns}`).send({ name: "nope" }).expect(403);
      expect(errorOf(res.body).code).toBe("NOT_AUTHORIZED");
      expect(await repoCount(nsId, "nope")).toBe(0);
    }
    expect(await db().event.count({ where: { repository: "nope" } })).toBe(0);
  });

  it("answers 404 NO_SUCH_ACCOUNT for an unknown namespace, 401 without credentials", async () => {
    const res = await admin().post("/api/v0/repositories/nobody").send({ name: "x" }).expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_ACCOUNT");
    const anonRes = await anon(ctx).post("/api/v0/repositories/yan").send({ name: "x" }).expect(401);
    expect(anonRes.headers["www-authenticate"]).toMatch(/^Basic/);
  });

  it("answers 409 REPOSITORY_EXISTS for a taken name and stores no second event", async () => {
    const res = await user(yan).post("/api/v0/repositories/yan").send({ name: "app" }).expect(409);
    expect(errorOf(res.body).code).toBe("REPOSITORY_EXISTS");
    expect(await eventsFor("yan", "app")).toHaveLength(1);
  });

  it.each([
    ["an uppercase name", { name: "App" }, "name"],
    ["a unicode name", { name: "äpp" }, "name"],
    ["a slash in the name", { name: "a/b" }, "name"],
    ["a name making namespace/name longer than 255", { name: "r".repeat(252) }, "name"],
    ["an unknown visibility", { name: "v", visibility: "internal" }, "visibility"],
    ["a negative tagLimit", { name: "t", tagLimit: -1 }, "tagLimit"],
    ["a fractional tagLimit", { name: "t", tagLimit: 1.5 }, "tagLimit"],
    ["a tagLimit beyond 32 bits", { name: "t", tagLimit: 2 ** 31 }, "tagLimit"],
    ["a string for a boolean", { name: "b", scanOnPush: "true" }, "scanOnPush"],
    ["a short description over 140 characters", { name: "d", shortDescription: "d".repeat(141) }, "shortDescription"],
    ["a NUL in the long description", { name: "n", longDescription: "\u0000" }, "longDescription"],
    ["an unknown field", { name: "u", pulls: 5 }, "pulls"],
  ])("answers 400 INVALID_PARAMETERS for %s and stores nothing", async (_what, body, field) => {
    const before = await db().repository.count();
    const res = await user(yan).post("/api/v0/repositories/yan").send(body).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field } });
    expect(await db().repository.count()).toBe(before);
  });

  it("answers 400 for a malformed namespace in the path", async () => {
    const res = await user(yan).post("/api/v0/repositories/Yan").send({ name: "x" }).expect(400);
    expect(errorOf(res.body).detail).toEqual({ field: "namespace" });
  });
});

describe("GET /api/v0/repositories/{namespace}/{repository}", () => {
  it("shows a public repository to any signed-in user", async () => {
    const res = await user(yan).get("/api/v0/repositories/initech/open").expect(200);
    expect(res.body).toMatchObject({ namespace: "initech", name: "open", visibility: "public" });
  });

  it("shows a private repository to readers via a team, the owner, namespace teams and admins", async () => {
    for (const u of [xia, una, vic, wes]) await user(u).get("/api/v0/repositories/initech/secret").expect(200);
    await admin().get("/api/v0/repositories/initech/secret").expect(200);
  });

  it("hides a private repository from others with the same 404 as a missing one", async () => {
    const hidden = await user(yan).get("/api/v0/repositories/initech/secret").expect(404);
    const missing = await user(yan).get("/api/v0/repositories/initech/missing").expect(404);
    expect(errorOf(hidden.body).code).toBe("NO_SUCH_REPOSITORY");
    expect(errorOf(missing.body).code).toBe("NO_SUCH_REPOSITORY");
    await user(xia).get("/api/v0/repositories/initech/hidden").expect(404);
  });

  it("answers 400 for an over-long repository name in the path", async () => {
    const res = await user(yan).get(`/api/v0/repositories/initech/${"r".repeat(300)}`).expect(400);
    expect(errorOf(res.body).detail).toEqual({ field: "repository" });
  });
});

describe("GET /api/v0/repositories/{namespace}", () => {
  const names = (body: unknown) => (body as { repositories: RepoBody[] }).repositories.map((r) => r.name);

  it("lists only what the caller may see", async () => {
    const outsider = names((await user(yan).get("/api/v0/repositories/initech").expect(200)).body);
    expect(outsider).toContain("open");
    expect(outsider).not.toContain("secret");
    expect(outsider).not.toContain("hidden");
    const reader = names((await user(xia).get("/api/v0/repositories/initech").expect(200)).body);
    expect(reader).toContain("secret");
    expect(reader).not.toContain("hidden");
    const owner = names((await user(una).get("/api/v0/repositories/initech").expect(200)).body);
    expect(owner).toEqual(expect.arrayContaining(["open", "secret", "hidden"]));
    expect(names((await user(wes).get("/api/v0/repositories/initech").expect(200)).body)).toEqual(owner);
  });

  it("pages by name with pageSize/pageStart and X-Next-Page-Start", async () => {
    const all = names((await admin().get("/api/v0/repositories/initech").expect(200)).body);
    expect(all).toEqual([...all].sort());
    const first = await admin().get("/api/v0/repositories/initech?pageSize=2").expect(200);
    expect(names(first.body)).toEqual(all.slice(0, 2));
    expect(first.headers["x-next-page-start"]).toBe(all[2]);
    const second = await admin().get(`/api/v0/repositories/initech?pageSize=2&pageStart=${all[2]}`).expect(200);
    expect(names(second.body)).toEqual(all.slice(2, 4));
    const last = await admin().get(`/api/v0/repositories/initech?pageStart=${all[all.length - 1]}`).expect(200);
    expect(last.headers["x-next-page-start"]).toBeUndefined();
  });

  it("answers 404 for an unknown namespace and 400 for a bad page size", async () => {
    await user(yan).get("/api/v0/repositories/nobody").expect(404);
    await user(yan).get("/api/v0/repositories/initech?pageSize=0").expect(400);
  });
});

describe("PATCH /api/v0/repositories/{namespace}/{repository}", () => {
  it("lets a repository admin change the mutable fields and stores a REPO_UPDATED event with the new object", async () => {
    await user(una).post("/api/v0/repositories/initech").send({ name: "patched" }).expect(201);
    const res = await user(vic)
      .patch("/api/v0/repositories/initech/patched")
      .send({ shortDescription: "now described", visibility: "private", tagLimit: 5 })
      .expect(200);
    expect(res.body).toMatchObject({ name: "patched", shortDescription: "now described", visibility: "private", tagLimit: 5 });
    const events = await eventsFor("initech", "patched");
    expect(events.map((e) => (e.contents as { event: string }).event)).toEqual(["REPO_CREATED", "REPO_UPDATED"]);
    expect(events[1]!.contents).toEqual({
      namespace: "initech",
      repository: "patched",
      event: "REPO_UPDATED",
      author: "vic",
      data: res.body as object,
    });
    expect(validateContents("REPO_EVENT", events[1]!.contents).ok).toBe(true);
  });

  it("stores no event for a PATCH that changes nothing", async () => {
    await user(una).patch("/api/v0/repositories/initech/patched").send({ shortDescription: "now described" }).expect(200);
    await user(una).patch("/api/v0/repositories/initech/patched").send({}).expect(200);
    expect(await eventsFor("initech", "patched")).toHaveLength(2);
  });

  it("lets a team with admin on the repository itself update it", async () => {
    const ops = await createTeam(ctx, initech, "repo-admins", [yan]);
    const repo = await createRepo(ctx, initech, "team-admin-repo", "private");
    await grantRepo(ctx, ops, repo, "admin");
    await user(yan).patch("/api/v0/repositories/initech/team-admin-repo").send({ immutableTags: true }).expect(200);
  });

  it("refuses readers and writers (403) and hides private repositories from strangers (404); nothing changes", async () => {
    await user(xia).patch("/api/v0/repositories/initech/secret").send({ tagLimit: 1 }).expect(403);
    await user(wes).patch("/api/v0/repositories/initech/secret").send({ tagLimit: 1 }).expect(403);
    const stranger = await createUser(ctx, "zed");
    await user(stranger).patch("/api/v0/repositories/initech/secret").send({ tagLimit: 1 }).expect(404);
    await user(stranger).patch("/api/v0/repositories/initech/open").send({ tagLimit: 1 }).expect(403);
    expect((await db().repository.findUnique({ where: { id: secret.id } }))!.tagLimit).toBe(0);
    expect(await eventsFor("initech", "secret")).toHaveLength(0);
  });

  it("refuses renaming and read-only counters (400)", async () => {
    const a = await user(una).patch("/api/v0/repositories/initech/patched").send({ name: "other" }).expect(400);
    expect(errorOf(a.body).detail).toEqual({ field: "name" });
    await user(una).patch("/api/v0/repositories/initech/patched").send({ pushes: 3 }).expect(400);
  });
});

describe("DELETE /api/v0/repositories/{namespace}/{repository}", () => {
  it("lets a namespace team admin delete and stores a REPO_DELETED event with data {}", async () => {
    await user(una).post("/api/v0/repositories/initech").send({ name: "to-delete" }).expect(201);
    await user(vic).delete("/api/v0/repositories/initech/to-delete").expect(204);
    await user(una).get("/api/v0/repositories/initech/to-delete").expect(404);
    const events = await eventsFor("initech", "to-delete");
    expect(events.map((e) => e.contents)).toEqual([
      expect.objectContaining({ event: "REPO_CREATED" }),
      { namespace: "initech", repository: "to-delete", event: "REPO_DELETED", author: "vic", data: {} },
    ]);
    expect(validateContents("REPO_EVENT", events[1]!.contents).ok).toBe(true);
    await user(vic).delete("/api/v0/repositories/initech/to-delete").expect(404);
  });

  it("refuses non-admins and keeps the repository", async () => {
    await user(xia).delete("/api/v0/repositories/initech/secret").expect(403);
    await user(yan).delete("/api/v0/repositories/initech/secret").expect(404);
    expect(await repoCount(initech.id, "secret")).toBe(1);
  });
});

describe("team access on repositories", () => {
  it("lets the namespace owner grant a team access; the grant takes effect", async () => {
    const guests = await createTeam(ctx, initech, "guests", [yan]);
    await user(yan).get("/api/v0/repositories/initech/hidden").expect(404);
    const res = await user(una).put("/api/v0/repositories/initech/hidden/teamAccess/guests").send({ accessLevel: "read-write" }).expect(200);
    // DTR's ListRepoTeamAccess: the repository and its grants after the change.
    expect(Object.keys(res.body as object).sort()).toEqual(["repository", "teamAccessList"]);
    expect(res.body).toMatchObject({
      repository: { namespace: "initech", name: "hidden" },
      teamAccessList: [{ accessLevel: "read-write", team: { id: guests.id, name: "guests", orgID: initech.id, clientUserIsMember: false } }],
    });
    await user(yan).get("/api/v0/repositories/initech/hidden").expect(200);
    // Changing the level is a PUT again; the list shows one grant.
    await user(una).put(`/api/v0/repositories/initech/hidden/teamAccess/id:${guests.id}`).send({ accessLevel: "admin" }).expect(200);
    const list = await user(una).get("/api/v0/repositories/initech/hidden/teamAccess").expect(200);
    expect(list.body).toMatchObject({
      repository: { name: "hidden" },
      teamAccessList: [{ accessLevel: "admin", team: { name: "guests" } }],
    });
    // clientUserIsMember is the caller's own membership: yan, in guests (now admin on the repository), sees true.
    const asMember = await user(yan).get("/api/v0/repositories/initech/hidden/teamAccess").expect(200);
    expect(asMember.body).toMatchObject({ teamAccessList: [{ team: { name: "guests", clientUserIsMember: true } }] });
    await user(una).delete("/api/v0/repositories/initech/hidden/teamAccess/guests").expect(204);
    await user(yan).get("/api/v0/repositories/initech/hidden").expect(404);
    const again = await user(una).delete("/api/v0/repositories/initech/hidden/teamAccess/guests").expect(404);
    expect(errorOf(again.body).code).toBe("NO_SUCH_TEAM");
  });

  it("refuses callers who do not administer the namespace (403), hiding private repositories (404)", async () => {
    await user(xia).put("/api/v0/repositories/initech/secret/teamAccess/readers").send({ accessLevel: "admin" }).expect(403);
    await user(vic).put("/api/v0/repositories/initech/secret/teamAccess/readers").send({ accessLevel: "admin" }).expect(403);
    await user(yan).put("/api/v0/repositories/initech/secret/teamAccess/readers").send({ accessLevel: "admin" }).expect(404);
    const grant = await db().repositoryTeamAccess.findUnique({ where: { repositoryId_teamId: { repositoryId: secret.id, teamId: readers.id } } });
    expect(grant!.accessLevel).toBe("read-only");
    await user(xia).get("/api/v0/repositories/initech/secret/teamAccess").expect(403);
  });

  it("answers 404 NO_SUCH_TEAM for an unknown team, 400 for a bad level or a user namespace", async () => {
    const a = await user(una).put("/api/v0/repositories/initech/secret/teamAccess/nope").send({ accessLevel: "admin" }).expect(404);
    expect(errorOf(a.body).code).toBe("NO_SUCH_TEAM");
    const b = await user(una).put("/api/v0/repositories/initech/secret/teamAccess/readers").send({ accessLevel: "owner" }).expect(400);
    expect(errorOf(b.body).detail).toEqual({ field: "accessLevel" });
    const c = await user(yan).put("/api/v0/repositories/yan/app/teamAccess/readers").send({ accessLevel: "admin" }).expect(400);
    expect(errorOf(c.body).detail).toEqual({ field: "namespace" });
    await user(una).put("/api/v0/repositories/initech/secret/teamAccess/readers").send({}).expect(400);
  });
});

describe("team access on namespaces", () => {
  it("grants, lists and removes a team's access to a whole namespace", async () => {
    const auditors = await createTeam(ctx, initech, "auditors", [yan]);
    await user(yan).get("/api/v0/repositories/initech/secret").expect(404);
    const res = await user(una).put("/api/v0/repositoryNamespaces/initech/teamAccess/auditors").send({ accessLevel: "read-only" }).expect(200);
    // DTR's NamespaceTeamAccess: the namespace by name, the team with the caller's membership.
    expect(res.body).toEqual({
      accessLevel: "read-only",
      team: expect.objectContaining({ id: auditors.id, name: "auditors", clientUserIsMember: false }),
      namespace: "initech",
    });
    await user(yan).get("/api/v0/repositories/initech/secret").expect(200);
    const list = await admin().get("/api/v0/repositoryNamespaces/initech/teamAccess").expect(200);
    expect((list.body as { namespace: unknown }).namespace).toBe("initech");
    const grants = (list.body as { teamAccessList: { accessLevel: string; team: { name: string } }[] }).teamAccessList;
    expect(grants.map((g) => [g.team.name, g.accessLevel])).toEqual([
      ["admins", "admin"],
      ["auditors", "read-only"],
      ["writers", "read-write"],
    ]);
    await user(una).delete("/api/v0/repositoryNamespaces/initech/teamAccess/auditors").expect(204);
    await user(yan).get("/api/v0/repositories/initech/secret").expect(404);
    await user(una).delete("/api/v0/repositoryNamespaces/initech/teamAccess/auditors").expect(404);
  });

  it("is for namespace admins only: team admins and members get 403, unknown namespaces 404", async () => {
    await user(vic).put("/api/v0/repositoryNamespaces/initech/teamAccess/writers").send({ accessLevel: "admin" }).expect(403);
    await user(wes).get("/api/v0/repositoryNamespaces/initech/teamAccess").expect(403);
    const res = await admin().get("/api/v0/repositoryNamespaces/nobody/teamAccess").expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_ACCOUNT");
    const user404 = await user(yan).put("/api/v0/repositoryNamespaces/yan/teamAccess/writers").send({ accessLevel: "admin" }).expect(400);
    expect(errorOf(user404.body).detail).toEqual({ field: "namespace" });
  });
});
