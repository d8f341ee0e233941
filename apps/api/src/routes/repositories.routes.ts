// Repository routes (/api/v0/repositories..., /api/v0/repositoryNamespaces...): repositories and
// team access on repositories and whole namespaces.
import { ErrorBodySchema } from "../openapi/error-schema.js";
import { signedIn } from "../errors.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import {
  CreateRepositoryBody,
  NamespaceParams,
  NamespaceTeamAccessList,
  NamespaceTeamAccessSchema,
  NamespaceTeamParams,
  RepositoryList,
  RepositoryListQuery,
  RepositoryParams,
  RepositorySchema,
  RepositoryTeamAccessList,
  RepositoryTeamParams,
  TeamAccessBody,
  UpdateRepositoryBody,
} from "../schemas/repository.schemas.js";
import type { Services } from "../services/services.js";

const tags = ["repositories"];
const accessTags = ["team access"];

export function repositoryRoutes(services: Services): RouteSpec[] {
  const repositories = services.repositories;
  return [
    route({
      method: "post",
      path: "/repositories/{namespace}",
      summary: "Create a repository (namespace admins, or a team with admin access on the namespace); emits REPO_CREATED",
      tags,
      auth: "user",
      params: NamespaceParams,
      body: CreateRepositoryBody,
      responses: {
        201: { description: "The new repository", schema: RepositorySchema },
        409: { description: "The repository exists (REPOSITORY_EXISTS)", schema: ErrorBodySchema },
      },
      answers: 201,
      run: (who, { params, body }) => repositories.create(who, params.namespace, body),
    }),
    route({
      method: "get",
      path: "/repositories/{namespace}",
      summary: "List the namespace's repositories the caller may see, by name (X-Next-Page-Start when there are more)",
      tags,
      auth: "user",
      params: NamespaceParams,
      query: RepositoryListQuery,
      responses: { 200: { description: "The repositories", schema: RepositoryList } },
      handler: async ({ principal, params, query }) => {
        const page = await repositories.list(signedIn(principal), params.namespace, query);
        const headers: Record<string, string> = {};
        if (page.nextPageStart) headers["X-Next-Page-Start"] = page.nextPageStart;
        return { status: 200, body: { repositories: page.repositories }, headers };
      },
    }),
    route({
      method: "get",
      path: "/repositories/{namespace}/{repository}",
      summary: "Get a repository (public: any user; private: read access, else 404)",
      tags,
      auth: "user",
      params: RepositoryParams,
      responses: { 200: { description: "The repository", schema: RepositorySchema } },
      answers: 200,
      run: (who, { params }) => repositories.get(who, params.namespace, params.repository),
    }),
    route({
      method: "patch",
      path: "/repositories/{namespace}/{repository}",
      summary: "Update a repository's settings (repository admins); a change emits REPO_UPDATED",
      tags,
      auth: "user",
      params: RepositoryParams,
      body: UpdateRepositoryBody,
      responses: { 200: { description: "The repository", schema: RepositorySchema } },
      answers: 200,
      run: (who, { params, body }) => repositories.update(who, params.namespace, params.repository, body),
    }),
    route({
      method: "delete",
      path: "/repositories/{namespace}/{repository}",
      summary: "Delete a repository and every webhook keyed to it, whoever made them (repository admins); emits REPO_DELETED",
      tags,
      auth: "user",
      params: RepositoryParams,
      responses: { 204: { description: "Deleted" } },
      answers: 204,
      run: (who, { params }) => repositories.delete(who, params.namespace, params.repository),
    }),
    route({
      method: "get",
      path: "/repositories/{namespace}/{repository}/teamAccess",
      summary: "List the teams with access to a repository (repository admins)",
      tags: accessTags,
      auth: "user",
      params: RepositoryParams,
      responses: { 200: { description: "The grants", schema: RepositoryTeamAccessList } },
      answers: 200,
      run: (who, { params }) => repositories.repositoryGrants(who, params.namespace, params.repository),
    }),
    route({
      method: "put",
      path: "/repositories/{namespace}/{repository}/teamAccess/{team}",
      summary: "Give a team of the repository's organization access to it (namespace admins)",
      tags: accessTags,
      auth: "user",
      params: RepositoryTeamParams,
      body: TeamAccessBody,
      responses: { 200: { description: "The repository's grants after the change (DTR's ListRepoTeamAccess)", schema: RepositoryTeamAccessList } },
      answers: 200,
      run: (who, { params, body }) => repositories.grantRepository(who, params.namespace, params.repository, params.team, body.accessLevel),
    }),
    route({
      method: "delete",
      path: "/repositories/{namespace}/{repository}/teamAccess/{team}",
      summary: "Remove a team's access to a repository (namespace admins)",
      tags: accessTags,
      auth: "user",
      params: RepositoryTeamParams,
      responses: { 204: { description: "Removed" } },
      answers: 204,
      run: (who, { params }) => repositories.revokeRepository(who, params.namespace, params.repository, params.team),
    }),
    route({
      method: "get",
      path: "/repositoryNamespaces/{namespace}/teamAccess",
      summary: "List the teams with access to every repository of a namespace (namespace admins)",
      tags: accessTags,
      auth: "user",
      params: NamespaceParams,
      responses: { 200: { description: "The grants", schema: NamespaceTeamAccessList } },
      answers: 200,
      run: (who, { params }) => repositories.namespaceGrants(who, params.namespace),
    }),
    route({
      method: "put",
      path: "/repositoryNamespaces/{namespace}/teamAccess/{team}",
      summary: "Give a team access to every repository of its organization's namespace (namespace admins)",
      tags: accessTags,
      auth: "user",
      params: NamespaceTeamParams,
      body: TeamAccessBody,
      responses: { 200: { description: "The grant", schema: NamespaceTeamAccessSchema } },
      answers: 200,
      run: (who, { params, body }) => repositories.grantNamespace(who, params.namespace, params.team, body.accessLevel),
    }),
    route({
      method: "delete",
      path: "/repositoryNamespaces/{namespace}/teamAccess/{team}",
      summary: "Remove a team's access to a namespace (namespace admins)",
      tags: accessTags,
      auth: "user",
      params: NamespaceTeamParams,
      responses: { 204: { description: "Removed" } },
      answers: 204,
      run: (who, { params }) => repositories.revokeNamespace(who, params.namespace, params.team),
    }),
  ];
}
