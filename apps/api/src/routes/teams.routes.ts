// eNZi-style team routes (/enzi/v0/accounts/{org}/teams...): teams and team members.
import { ErrorBodySchema } from "../openapi/error-schema.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import { OrgParams, PageQuery } from "../schemas/account.schemas.js";
import {
  CreateTeamBody,
  OrgTeamParams,
  TeamList,
  TeamMemberBody,
  TeamMemberList,
  TeamMemberParams,
  TeamMembershipSchema,
  TeamSchema,
  UpdateTeamBody,
} from "../schemas/team.schemas.js";
import type { Services } from "../services/services.js";

const tags = ["teams"];
const conflict = { description: "The organization has a team with that name (TEAM_EXISTS)", schema: ErrorBodySchema };

export function teamRoutes(services: Services): RouteSpec[] {
  const teams = services.teams;
  return [
    route({
      method: "get",
      path: "/accounts/{org}/teams",
      summary: "List an organization's teams (members and system admins)",
      tags,
      auth: "user",
      params: OrgParams,
      query: PageQuery("team"),
      responses: { 200: { description: "A page of teams", schema: TeamList } },
      answers: 200,
      run: (who, { params, query }) => teams.list(who, params.org, query),
    }),
    route({
      method: "post",
      path: "/accounts/{org}/teams",
      summary: "Create a team (organization owners and system admins)",
      tags,
      auth: "user",
      params: OrgParams,
      body: CreateTeamBody,
      responses: { 201: { description: "The new team", schema: TeamSchema }, 409: conflict },
      answers: 201,
      run: (who, { params, body }) => teams.create(who, params.org, body),
    }),
    route({
      method: "get",
      path: "/accounts/{org}/teams/{team}",
      summary: "Get a team (organization members and system admins)",
      tags,
      auth: "user",
      params: OrgTeamParams,
      responses: { 200: { description: "The team", schema: TeamSchema } },
      answers: 200,
      run: (who, { params }) => teams.get(who, params.org, params.team),
    }),
    route({
      method: "patch",
      path: "/accounts/{org}/teams/{team}",
      summary: "Rename a team or change its description (organization owners and system admins)",
      tags,
      auth: "user",
      params: OrgTeamParams,
      body: UpdateTeamBody,
      responses: { 200: { description: "The updated team", schema: TeamSchema }, 409: conflict },
      answers: 200,
      run: (who, { params, body }) => teams.update(who, params.org, params.team, body),
    }),
    route({
      method: "delete",
      path: "/accounts/{org}/teams/{team}",
      summary: "Delete a team with its memberships and grants (organization owners and system admins)",
      tags,
      auth: "user",
      params: OrgTeamParams,
      responses: { 204: { description: "Deleted" } },
      answers: 204,
      run: (who, { params }) => teams.delete(who, params.org, params.team),
    }),
    route({
      method: "get",
      path: "/accounts/{org}/teams/{team}/members",
      summary: "List a team's members (organization members and system admins)",
      tags,
      auth: "user",
      params: OrgTeamParams,
      query: PageQuery("member"),
      responses: { 200: { description: "A page of team memberships", schema: TeamMemberList } },
      answers: 200,
      run: (who, { params, query }) => teams.members(who, params.org, params.team, query),
    }),
    route({
      method: "put",
      path: "/accounts/{org}/teams/{team}/members/{member}",
      summary: "Add a user to a team, and to the organization if needed (organization owners and system admins)",
      tags,
      auth: "user",
      params: TeamMemberParams,
      body: TeamMemberBody,
      bodyOptional: true,
      responses: { 200: { description: "The team membership", schema: TeamMembershipSchema } },
      answers: 200,
      run: (who, { params, body }) => teams.putMember(who, params.org, params.team, params.member, body),
    }),
    route({
      method: "delete",
      path: "/accounts/{org}/teams/{team}/members/{member}",
      summary: "Remove a user from a team (organization owners, system admins, or the member)",
      tags,
      auth: "user",
      params: TeamMemberParams,
      responses: { 204: { description: "Removed" } },
      answers: 204,
      run: (who, { params }) => teams.deleteMember(who, params.org, params.team, params.member),
    }),
  ];
}
