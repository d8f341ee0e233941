// TypeBox schemas of the repository endpoints (/api/v0/repositories..., team access on
// repositories and namespaces). The repository object is the events package's own schema, so
// the API response and the REPO_EVENT `data` cannot differ.
import { Type, type Static } from "@sinclair/typebox";
import { NAME_COMPONENT_PATTERN } from "@msr-webhooks/events/access";
import { REPOSITORY_OBJECT_SCHEMA, type RepositoryObject } from "@msr-webhooks/events/schemas";
import { AccountName, SafeText } from "./account.schemas.js";
import { TeamRef, TeamSchema } from "./team.schemas.js";

export const RepositorySchema = REPOSITORY_OBJECT_SCHEMA;
export type RepositoryView = RepositoryObject;

/** `namespace/repository` as a whole may not exceed this (Docker's limit, and the webhook key's). */
export const REPOSITORY_PATH_MAX = 255;

export const RepositoryName = Type.String({
  minLength: 1,
  maxLength: REPOSITORY_PATH_MAX,
  pattern: NAME_COMPONENT_PATTERN,
  description: "Docker's lowercase name grammar; `namespace/name` at most 255 characters.",
});

const Visibility = Type.Unsafe<"public" | "private">({ type: "string", enum: ["public", "private"] });
const TagLimit = Type.Integer({ minimum: 0, maximum: 2147483647, description: "Most tags kept; 0 for no limit." });

const mutable = {
  shortDescription: Type.Optional(SafeText(140, "One line about the repository.")),
  longDescription: Type.Optional(SafeText(100_000, "Longer description (Markdown).")),
  visibility: Type.Optional(Visibility),
  scanOnPush: Type.Optional(Type.Boolean()),
  immutableTags: Type.Optional(Type.Boolean()),
  enableManifestLists: Type.Optional(Type.Boolean()),
  tagLimit: Type.Optional(TagLimit),
};

export const CreateRepositoryBody = Type.Object(
  { name: RepositoryName, ...mutable },
  { additionalProperties: false, title: "CreateRepository" },
);
export type CreateRepositoryInput = Static<typeof CreateRepositoryBody>;

export const UpdateRepositoryBody = Type.Object(mutable, { additionalProperties: false, title: "UpdateRepository" });
export type UpdateRepositoryInput = Static<typeof UpdateRepositoryBody>;

export const NamespaceParams = Type.Object({ namespace: AccountName });
export const RepositoryParams = Type.Object({ namespace: AccountName, repository: RepositoryName });
export const RepositoryTeamParams = Type.Object({ namespace: AccountName, repository: RepositoryName, team: TeamRef });
export const NamespaceTeamParams = Type.Object({ namespace: AccountName, team: TeamRef });

export const RepositoryListQuery = Type.Object({
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: "Page size (default 100)." })),
  pageStart: Type.Optional(
    Type.String({ maxLength: REPOSITORY_PATH_MAX, description: "Repository name to start at (from X-Next-Page-Start)." }),
  ),
});

export const RepositoryList = Type.Object(
  { repositories: Type.Array(RepositorySchema) },
  { additionalProperties: false, title: "RepositoryList" },
);

export const ACCESS_LEVELS = ["read-only", "read-write", "admin"] as const;
export type GrantLevel = (typeof ACCESS_LEVELS)[number];
const AccessLevel = Type.Unsafe<GrantLevel>({ type: "string", enum: [...ACCESS_LEVELS] });

export const TeamAccessBody = Type.Object({ accessLevel: AccessLevel }, { additionalProperties: false, title: "TeamAccessUpdate" });

/** A team in a grant, as DTR's responses.Team: ours plus whether the caller is one of its members. */
const GrantTeamSchema = Type.Object(
  { ...TeamSchema.properties, clientUserIsMember: Type.Boolean({ description: "Whether the caller is a member of the team." }) },
  { additionalProperties: false, title: "GrantTeam" },
);
export type GrantTeamView = Static<typeof GrantTeamSchema>;

const TeamGrant = Type.Object({ accessLevel: AccessLevel, team: GrantTeamSchema }, { additionalProperties: false });
export type TeamGrantView = Static<typeof TeamGrant>;

/** DTR's responses.ListRepoTeamAccess: GET, and PUT (the list after the change). */
export const RepositoryTeamAccessList = Type.Object(
  { repository: RepositorySchema, teamAccessList: Type.Array(TeamGrant) },
  { additionalProperties: false, title: "RepositoryTeamAccessList" },
);
/** DTR's responses.NamespaceTeamAccess (PUT): the namespace by name. */
export const NamespaceTeamAccessSchema = Type.Object(
  { accessLevel: AccessLevel, team: GrantTeamSchema, namespace: Type.String({ description: "The namespace's name." }) },
  { additionalProperties: false, title: "NamespaceTeamAccess" },
);
/** DTR's responses.ListRepoNamespaceTeamAccess (GET): the namespace by name. */
export const NamespaceTeamAccessList = Type.Object(
  { namespace: Type.String({ description: "The namespace's name." }), teamAccessList: Type.Array(TeamGrant) },
  { additionalProperties: false, title: "NamespaceTeamAccessList" },
);
