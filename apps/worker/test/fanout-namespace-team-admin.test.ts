// Fan-out agrees with the API on who administers a namespace-keyed subscription: an author in a
// team with `admin` on the whole namespace (an admin of every repository in it, DTR access levels)
// still receives its REPO_EVENT; an author whose team only has read-write there is skipped.
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { createOrg, createRepo, createTeam, createUser, createWebhook, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const t = useHarnessWithReceiver();
let tina: AccountRef;
let walt: AccountRef;

beforeAll(async () => {
  const owner = await createUser(t.h.db, "owner");
  tina = await createUser(t.h.db, "tina");
  walt = await createUser(t.h.db, "walt");
  const foo = await createOrg(t.h.db, "foo", [owner]);
  await createRepo(t.h.db, foo, "bar");
  const grant = async (name: string, member: AccountRef, accessLevel: string) => {
    const team = await createTeam(t.h.db, foo, name, [member]);
    await t.h.db.namespaceTeamAccess.create({ data: { namespaceId: foo.id, teamId: team.id, accessLevel } });
  };
  await grant("ns-admins", tina, "admin");
  await grant("ns-writers", walt, "read-write");
  await t.h.startWorker();
});

it("delivers a namespace's REPO_EVENT to a team admin of the namespace and skips a read-write member", async () => {
  const admins = await createWebhook(t.h.db, { type: "REPO_EVENT", key: "foo", endpoint: `${t.receiver.url}/tina`, author: tina });
  const writers = await createWebhook(t.h.db, { type: "REPO_EVENT", key: "foo", endpoint: `${t.receiver.url}/walt`, author: walt });
  const payload = testPayload("REPO_EVENT", "reg.example.com");
  await t.h.publish({ id: "ns-team-admin", type: "REPO_EVENT", contents: { ...payload.contents, event: "REPO_CREATED" } });
  const event = await waitUntil(() => t.h.db.event.findUnique({ where: { producerId: "ns-team-admin" } }), { what: "the event" });
  const rows = await waitUntil(
    async () => {
      const found = await t.h.db.delivery.findMany({ where: { eventId: event.id } });
      return found.length === 2 && found.every((d) => d.status === "succeeded" || d.status === "skipped") && found;
    },
    { what: "both deliveries to finish" },
  );
  const byWebhook = new Map(rows.map((d) => [d.webhookId, d]));
  expect(byWebhook.get(admins.id)?.status).toBe("succeeded");
  expect(byWebhook.get(writers.id)).toMatchObject({ status: "skipped", reason: 'the author is no longer an admin of namespace "foo"' });
  expect(t.receiver.requests.map((r) => r.path)).toEqual(["/tina"]);
});
