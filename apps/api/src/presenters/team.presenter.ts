// A Team row (with its member count) as the eNZi team object, and a team membership.
import type { Account } from "@msr-webhooks/db/client";
import type { TeamMembershipView, TeamView, TeamWithCount } from "../schemas/team.schemas.js";
import { presentAccount } from "./account.presenter.js";

export function presentTeam(t: TeamWithCount): TeamView {
  return { id: t.id, orgID: t.orgId, name: t.name, description: t.description, membersCount: t._count.members };
}

export function presentTeamMembership(user: Account): TeamMembershipView {
  return { member: presentAccount(user), isAdmin: false };
}
