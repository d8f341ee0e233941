// Teams of an organization and their members. A team member is always an organization member
// (adding one to a team adds them to the organization). Org owners and system admins manage
// teams; organization members may look at them.
import { randomUUID } from "node:crypto";
import { isIdShaped } from "@msr-webhooks/db/accounts";
import type { Account, PrismaClient } from "@msr-webhooks/db/client";
import { ApiError, invalidParameter, isUniqueViolation, noSuchTeam } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { PageParams } from "../schemas/account.schemas.js";
import {
  type CreateTeamInput,
  type TeamMemberInput,
  type TeamMembershipView,
  type TeamView,
  type TeamWithCount,
  type UpdateTeamInput,
} from "../schemas/team.schemas.js";
import { DEFAULT_PAGE_SIZE, pageOf, type AccountsService } from "./accounts.service.js";
import { presentTeam, presentTeamMembership } from "../presenters/team.presenter.js";

const withCount = { _count: { select: { members: true } } } as const;

/**
 * A team of the organization by id (`id:<uuid>`, or a bare UUID) or else by name: separate ways in,
 * never "try one, then the other", as for accounts.
 */
export function findTeamRef(db: PrismaClient, orgId: string, ref: string): Promise<TeamWithCount | null> {
  const id = ref.startsWith("id:") ? ref.slice(3) : isIdShaped(ref) ? ref : null;
  if (id !== null) {
    return isIdShaped(id) ? db.team.findFirst({ where: { orgId, id: id.toLowerCase() }, include: withCount }) : Promise.resolve(null);
  }
  return findTeamByName(db, orgId, ref);
}

function findTeamByName(db: PrismaClient, orgId: string, name: string): Promise<TeamWithCount | null> {
  return db.team.findUnique({ where: { orgId_name: { orgId, name } }, include: withCount });
}

/** Team names that parse as UUIDs are refused, as account names are. */
function checkTeamName(name: string): void {
  if (isIdShaped(name)) throw invalidParameter("name", `${name} is shaped like a UUID: team names must not be, as UUIDs name teams by id`);
}

const teamExists = (org: string, name: string): ApiError =>
  new ApiError("TEAM_EXISTS", `organization ${org} already has a team named ${name}`);

function checkRoundTrip(input: { id?: string; orgID?: string }, org: Account, teamId: string | null): void {
  if (input.id && input.id.toLowerCase() !== teamId) {
    throw invalidParameter("id", teamId ? "id does not match the team in the path" : "id is assigned by the server; leave it empty");
  }
  if (input.orgID && input.orgID.toLowerCase() !== org.id) {
    throw invalidParameter("orgID", "orgID does not match the organization in the path");
  }
}

export class TeamsService {
  constructor(
    private readonly db: PrismaClient,
    private readonly accounts: AccountsService,
  ) {}

  async find(org: Account, ref: string): Promise<TeamWithCount> {
    const team = await findTeamRef(this.db, org.id, ref);
    if (!team) throw noSuchTeam(org.name, ref);
    return team;
  }

  async list(principal: Principal, orgRef: string, page: PageParams): Promise<{ teams: TeamView[]; nextPageStart: string }> {
    const org = await this.accounts.findOrg(orgRef);
    await this.accounts.requireViewer(principal, org);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.db.team.findMany({
      where: { orgId: org.id, ...(page.start !== undefined ? { name: { gte: page.start } } : {}) },
      include: withCount,
      orderBy: { name: "asc" },
      take: limit + 1,
    });
    const result = pageOf(rows, limit, (t) => t.name);
    return { teams: result.items.map(presentTeam), nextPageStart: result.nextPageStart };
  }

  async create(principal: Principal, orgRef: string, input: CreateTeamInput): Promise<TeamView> {
    const org = await this.accounts.findOrg(orgRef);
    await this.accounts.requireManager(principal, org);
    checkRoundTrip(input, org, null);
    checkTeamName(input.name);
    if (await findTeamByName(this.db, org.id, input.name)) throw teamExists(org.name, input.name);
    try {
      const team = await this.db.team.create({
        data: { id: randomUUID(), orgId: org.id, name: input.name, description: input.description ?? "" },
        include: withCount,
      });
      return presentTeam(team);
    } catch (err) {
      if (isUniqueViolation(err)) throw teamExists(org.name, input.name);
      throw err;
    }
  }

  async get(principal: Principal, orgRef: string, teamRef: string): Promise<TeamView> {
    const org = await this.accounts.findOrg(orgRef);
    await this.accounts.requireViewer(principal, org);
    return presentTeam(await this.find(org, teamRef));
  }

  async update(principal: Principal, orgRef: string, teamRef: string, input: UpdateTeamInput): Promise<TeamView> {
    const org = await this.accounts.findOrg(orgRef);
    await this.accounts.requireManager(principal, org);
    const team = await this.find(org, teamRef);
    checkRoundTrip(input, org, team.id);
    if (input.name !== undefined && input.name !== team.name) {
      checkTeamName(input.name);
      if (await findTeamByName(this.db, org.id, input.name)) throw teamExists(org.name, input.name);
    }
    try {
      const updated = await this.db.team.update({
        where: { id: team.id },
        data: {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        },
        include: withCount,
      });
      return presentTeam(updated);
    } catch (err) {
      if (isUniqueViolation(err)) throw teamExists(org.name, input.name ?? team.name);
      throw err;
    }
  }

  /** The team's memberships and its repository and namespace grants go with it. */
  async delete(principal: Principal, orgRef: string, teamRef: string): Promise<void> {
    const org = await this.accounts.findOrg(orgRef);
    await this.accounts.requireManager(principal, org);
    const team = await this.find(org, teamRef);
    const deleted = await this.db.team.deleteMany({ where: { id: team.id } });
    if (deleted.count === 0) throw noSuchTeam(org.name, teamRef);
  }

  async members(
    principal: Principal,
    orgRef: string,
    teamRef: string,
    page: PageParams,
  ): Promise<{ members: TeamMembershipView[]; nextPageStart: string }> {
    const org = await this.accounts.findOrg(orgRef);
    await this.accounts.requireViewer(principal, org);
    const team = await this.find(org, teamRef);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.db.teamMember.findMany({
      where: { teamId: team.id, ...(page.start !== undefined ? { user: { name: { gte: page.start } } } : {}) },
      include: { user: true },
      orderBy: { user: { name: "asc" } },
      take: limit + 1,
    });
    const result = pageOf(rows, limit, (m) => m.user.name);
    return { members: result.items.map((m) => presentTeamMembership(m.user)), nextPageStart: result.nextPageStart };
  }

  /** Adds the user to the team (and to the organization, as a plain member, if not already in it). */
  async putMember(
    principal: Principal,
    orgRef: string,
    teamRef: string,
    memberRef: string,
    input: TeamMemberInput,
  ): Promise<TeamMembershipView> {
    if (input.isAdmin) {
      throw invalidParameter("isAdmin", "team admins are not supported: make the user an organization owner instead");
    }
    const org = await this.accounts.findOrg(orgRef);
    await this.accounts.requireManager(principal, org);
    const team = await this.find(org, teamRef);
    const user = await this.accounts.findUser(memberRef, "member");
    await this.db.$transaction([
      this.db.orgMember.upsert({
        where: { orgId_userId: { orgId: org.id, userId: user.id } },
        update: {},
        create: { orgId: org.id, userId: user.id, isOwner: false },
      }),
      this.db.teamMember.upsert({
        where: { teamId_userId: { teamId: team.id, userId: user.id } },
        update: {},
        create: { teamId: team.id, userId: user.id },
      }),
    ]);
    return presentTeamMembership(user);
  }

  /** Managers remove anyone; a member may leave. The organization membership stays. */
  async deleteMember(principal: Principal, orgRef: string, teamRef: string, memberRef: string): Promise<void> {
    const org = await this.accounts.findOrg(orgRef);
    const user = await this.accounts.find(memberRef);
    if (user.id !== principal.id) await this.accounts.requireManager(principal, org);
    const team = await this.find(org, teamRef);
    const removed = await this.db.teamMember.deleteMany({ where: { teamId: team.id, userId: user.id } });
    if (removed.count === 0) {
      throw new ApiError("NO_SUCH_ACCOUNT", `${user.name} is not a member of team ${team.name}`);
    }
  }
}
