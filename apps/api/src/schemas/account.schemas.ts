// TypeBox schemas of the eNZi-style account endpoints (/enzi/v0/accounts, organization members):
// request bodies, path/query parameters and the response objects.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { NAME_COMPONENT_PATTERN } from "@msr-webhooks/events/access";

const NAME_BODY = NAME_COMPONENT_PATTERN.slice(1, -1);
const UUID_BODY = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** Free text that PostgreSQL can store (a NUL character would make the insert fail). */
export const SafeText = (maxLength: number, description: string) =>
  Type.String({ maxLength, pattern: "^[^\\u0000]*$", description });

export const ACCOUNT_NAME_MAX = 100;

export const accountName = (description: string) =>
  Type.String({ minLength: 1, maxLength: ACCOUNT_NAME_MAX, pattern: NAME_COMPONENT_PATTERN, description });

export const AccountName = accountName(
  "Docker's lowercase name grammar: a-z and 0-9 joined by '.', '_', '__' or dashes.",
);

/** A name, or an id written `id:<uuid>` (eNZi) or as a bare UUID (what some clients send). */
export const AccountRef = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: ACCOUNT_NAME_MAX + 3,
    pattern: `^(?:${NAME_BODY}|id:${UUID_BODY})$`,
    description: `${description} Name, or id as \`id:<uuid>\`.`,
  });

export const AccountSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    fullName: Type.String(),
    isOrg: Type.Boolean(),
    isAdmin: Type.Boolean({ description: "System admin (always false for an organization)." }),
    isActive: Type.Boolean(),
    createdAt: Type.String({ description: "RFC 3339, as Go prints time.Time." }),
  },
  { additionalProperties: false, title: "Account" },
);
export type AccountView = Static<typeof AccountSchema>;

const PageLimit = Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: "Page size (1-1000, default 100)." });
const PageStart = (what: string) =>
  Type.String({ maxLength: 300, description: `The ${what} name to start the page at (a previous nextPageStart).` });

export const PageQuery = (what: string) =>
  Type.Object({ limit: Type.Optional(PageLimit), start: Type.Optional(PageStart(what)) });
export interface PageParams {
  limit?: number;
  start?: string;
}

export const NextPageStart = Type.String({ description: "Where the next page starts; empty on the last page." });

export const Paged = <T extends TSchema>(key: string, item: T, title: string) =>
  Type.Object({ [key]: Type.Array(item), nextPageStart: NextPageStart }, { additionalProperties: false, title });

export const ACCOUNT_FILTERS = ["all", "users", "orgs", "admins", "non-admins", "active-users", "inactive-users"] as const;
export type AccountFilter = (typeof ACCOUNT_FILTERS)[number];

export const AccountListQuery = Type.Object({
  limit: Type.Optional(PageLimit),
  start: Type.Optional(PageStart("account")),
  filter: Type.Optional(Type.Unsafe<AccountFilter>({ type: "string", enum: [...ACCOUNT_FILTERS], default: "all" })),
});

export const AccountList = Paged("accounts", AccountSchema, "AccountList");

export const CreateAccountBody = Type.Object(
  {
    name: AccountName,
    password: Type.Optional(
      Type.String({ maxLength: 1024, description: "Required for a user (at least 8 characters); empty or absent for an organization." }),
    ),
    isOrg: Type.Optional(Type.Boolean({ default: false })),
    isAdmin: Type.Optional(Type.Boolean({ default: false, description: "Make the user a system admin (admins only)." })),
    isActive: Type.Optional(Type.Boolean({ default: true, description: "A user that is not active cannot sign in." })),
    fullName: Type.Optional(SafeText(200, "Display name.")),
    id: Type.Optional(Type.String({ maxLength: 0, description: "Ignored; must be empty (the server assigns ids)." })),
    searchLDAP: Type.Optional(Type.Boolean({ description: "LDAP is not supported: only false is accepted." })),
  },
  { additionalProperties: false, title: "CreateAccount" },
);
export type CreateAccountInput = Static<typeof CreateAccountBody>;

export const UpdateAccountBody = Type.Object(
  {
    fullName: Type.Optional(SafeText(200, "Display name.")),
    isActive: Type.Optional(Type.Boolean({ description: "Users only; system admins only." })),
    isAdmin: Type.Optional(Type.Boolean({ description: "Users only; system admins only." })),
  },
  { additionalProperties: false, title: "UpdateAccount" },
);
export type UpdateAccountInput = Static<typeof UpdateAccountBody>;

export const AccountParams = Type.Object({ name: AccountRef("The account.") });
export const OrgParams = Type.Object({ org: AccountRef("The organization.") });
export const OrgMemberParams = Type.Object({ org: AccountRef("The organization."), member: AccountRef("The user.") });

export const OrgMemberBody = Type.Object(
  {
    isAdmin: Type.Optional(Type.Boolean({ description: "eNZi's name for organization owner." })),
    isOwner: Type.Optional(Type.Boolean({ description: "Same as isAdmin." })),
    isPublic: Type.Optional(Type.Boolean({ description: "Accepted for eNZi compatibility; memberships are always visible to members." })),
  },
  { additionalProperties: false, title: "OrgMembershipUpdate" },
);
export type OrgMemberInput = Static<typeof OrgMemberBody>;

export const OrgMembershipSchema = Type.Object(
  {
    member: AccountSchema,
    isAdmin: Type.Boolean({ description: "Organization owner." }),
    isOwner: Type.Boolean({ description: "Same as isAdmin." }),
  },
  { additionalProperties: false, title: "OrgMembership" },
);
export type OrgMembershipView = Static<typeof OrgMembershipSchema>;

export const OrgMemberList = Paged("members", OrgMembershipSchema, "OrgMemberList");
