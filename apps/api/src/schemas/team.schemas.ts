// TypeBox schemas of the team endpoints (/enzi/v0/accounts/{org}/teams...): bodies, parameters
// and the team and team-membership objects.
import { Type, type Static } from "@sinclair/typebox";
import type { Team } from "@msr-webhooks/db/client";
import { NAME_COMPONENT_PATTERN } from "@msr-webhooks/events/access";
import { AccountRef, AccountSchema, Paged, SafeText } from "./account.schemas.js";

const NAME_BODY = NAME_COMPONENT_PATTERN.slice(1, -1);
const UUID_BODY = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

export const TEAM_NAME_MAX = 100;

export const TeamName = Type.String({
  minLength: 1,
  maxLength: TEAM_NAME_MAX,
  pattern: NAME_COMPONENT_PATTERN,
  description: "Lowercase letters and digits joined by '.', '_', '__' or dashes.",
});

export const TeamRef = Type.String({
  minLength: 1,
  maxLength: TEAM_NAME_MAX + 3,
  pattern: `^(?:${NAME_BODY}|id:${UUID_BODY})$`,
  description: "The team: name, or id as `id:<uuid>`.",
});

export const TeamSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    orgID: Type.String({ format: "uuid" }),
    name: Type.String(),
    description: Type.String(),
    membersCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false, title: "Team" },
);
export type TeamView = Static<typeof TeamSchema>;

export const TeamList = Paged("teams", TeamSchema, "TeamList");

// Round-tripped fields (id, orgID, membersCount) are accepted so a client can send back what it read.
const roundTrip = {
  id: Type.Optional(Type.String({ maxLength: 40, description: "Ignored when empty; else must be this team's id." })),
  orgID: Type.Optional(Type.String({ maxLength: 40, description: "Ignored when empty; else must be the organization's id." })),
  membersCount: Type.Optional(Type.Integer({ minimum: 0, description: "Read-only; ignored." })),
};

export const CreateTeamBody = Type.Object(
  { name: TeamName, description: Type.Optional(SafeText(1000, "What the team is for.")), ...roundTrip },
  { additionalProperties: false, title: "CreateTeam" },
);
export type CreateTeamInput = Static<typeof CreateTeamBody>;

export const UpdateTeamBody = Type.Object(
  { name: Type.Optional(TeamName), description: Type.Optional(SafeText(1000, "What the team is for.")), ...roundTrip },
  { additionalProperties: false, title: "UpdateTeam" },
);
export type UpdateTeamInput = Static<typeof UpdateTeamBody>;

export const OrgTeamParams = Type.Object({ org: AccountRef("The organization."), team: TeamRef });
export const TeamMemberParams = Type.Object({
  org: AccountRef("The organization."),
  team: TeamRef,
  member: AccountRef("The user."),
});

export const TeamMemberBody = Type.Object(
  {
    isAdmin: Type.Optional(Type.Boolean({ description: "Team admins are not supported: only false is accepted." })),
    isPublic: Type.Optional(Type.Boolean({ description: "Accepted for eNZi compatibility; ignored." })),
  },
  { additionalProperties: false, title: "TeamMembershipUpdate" },
);
export type TeamMemberInput = Static<typeof TeamMemberBody>;

export const TeamMembershipSchema = Type.Object(
  { member: AccountSchema, isAdmin: Type.Boolean({ description: "Always false (no team admins)." }) },
  { additionalProperties: false, title: "TeamMembership" },
);
export type TeamMembershipView = Static<typeof TeamMembershipSchema>;

export const TeamMemberList = Paged("members", TeamMembershipSchema, "TeamMemberList");

export type TeamWithCount = Team & { _count: { members: number } };
