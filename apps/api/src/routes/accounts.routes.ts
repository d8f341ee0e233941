// eNZi-style account routes (/enzi/v0): users, organizations and organization members.
import { ErrorBodySchema } from "../openapi/error-schema.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import {
  AccountList,
  AccountListQuery,
  AccountParams,
  AccountSchema,
  CreateAccountBody,
  OrgMemberBody,
  OrgMemberList,
  OrgMemberParams,
  OrgMembershipSchema,
  OrgParams,
  PageQuery,
  UpdateAccountBody,
} from "../schemas/account.schemas.js";
import type { Services } from "../services/services.js";

const tags = ["accounts"];

export function accountRoutes(services: Services): RouteSpec[] {
  const accounts = services.accounts;
  return [
    route({
      method: "post",
      path: "/accounts",
      summary:
        "Create an account: a user (system admins only; password of at least 8 characters) or an organization (any user; the creator becomes its owner)",
      tags,
      auth: "user",
      body: CreateAccountBody,
      responses: {
        201: { description: "The new account", schema: AccountSchema },
        409: { description: "An account with that name exists (ACCOUNT_EXISTS)", schema: ErrorBodySchema },
      },
      answers: 201,
      run: (who, { body }) => accounts.create(who, body),
    }),
    route({
      method: "get",
      path: "/accounts",
      summary: "List accounts by name (system admins: all; others: organizations and themselves)",
      tags,
      auth: "user",
      query: AccountListQuery,
      responses: { 200: { description: "A page of accounts", schema: AccountList } },
      answers: 200,
      run: (who, { query }) => accounts.list(who, query),
    }),
    route({
      method: "get",
      path: "/accounts/{name}",
      summary: "Get an account",
      tags,
      auth: "user",
      params: AccountParams,
      responses: { 200: { description: "The account", schema: AccountSchema } },
      handler: async ({ params }) => ({ status: 200, body: await accounts.get(params.name) }),
    }),
    route({
      method: "patch",
      path: "/accounts/{name}",
      summary: "Update an account (fullName: the user or the org's owners; isAdmin/isActive: system admins)",
      tags,
      auth: "user",
      params: AccountParams,
      body: UpdateAccountBody,
      responses: { 200: { description: "The updated account", schema: AccountSchema } },
      answers: 200,
      run: (who, { params, body }) => accounts.update(who, params.name, body),
    }),
    route({
      method: "delete",
      path: "/accounts/{name}",
      summary:
        "Delete an account and everything it owns, including every webhook keyed to it or its repositories, whoever made them (system admins; emits REPO_DELETED per repository)",
      tags,
      auth: "user",
      params: AccountParams,
      responses: { 204: { description: "Deleted" } },
      answers: 204,
      run: (who, { params }) => accounts.delete(who, params.name),
    }),
    route({
      method: "get",
      path: "/accounts/{org}/members",
      summary: "List an organization's members (members and system admins)",
      tags,
      auth: "user",
      params: OrgParams,
      query: PageQuery("member"),
      responses: { 200: { description: "A page of memberships", schema: OrgMemberList } },
      answers: 200,
      run: (who, { params, query }) => accounts.members(who, params.org, query),
    }),
    route({
      method: "put",
      path: "/accounts/{org}/members/{member}",
      summary: "Add a user to an organization or change their ownership (isAdmin = owner; owners and system admins)",
      tags,
      auth: "user",
      params: OrgMemberParams,
      body: OrgMemberBody,
      bodyOptional: true,
      responses: { 200: { description: "The membership", schema: OrgMembershipSchema } },
      answers: 200,
      run: (who, { params, body }) => accounts.putMember(who, params.org, params.member, body),
    }),
    route({
      method: "delete",
      path: "/accounts/{org}/members/{member}",
      summary: "Remove a member (and their team memberships) from an organization (owners, system admins, or the member)",
      tags,
      auth: "user",
      params: OrgMemberParams,
      responses: { 204: { description: "Removed" } },
      answers: 204,
      run: (who, { params }) => accounts.deleteMember(who, params.org, params.member),
    }),
  ];
}
