// A team written straight to the database for a test's setup: each member joins the organization
// first (a team member must belong to it), then the team.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@msr-webhooks/db/client";

export async function seedTeam(db: PrismaClient, org: { id: string }, name: string, members: { id: string }[]): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  await db.team.create({ data: { id, orgId: org.id, name } });
  for (const m of members) {
    await db.orgMember.upsert({
      where: { orgId_userId: { orgId: org.id, userId: m.id } },
      update: {},
      create: { orgId: org.id, userId: m.id },
    });
    await db.teamMember.create({ data: { teamId: id, userId: m.id } });
  }
  return { id, name };
}
