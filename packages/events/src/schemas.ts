// One TypeBox schema per contents shape (API section 3): the JSON Schema that validates an
// event and the TypeScript type producers and consumers code against come from the same value.
//
// Every object is closed (`additionalProperties: false`): the schema is the public contract, so
// a field that is not in it (often a typo such as `repository` for scanSummary's `reponame`)
// is rejected by name instead of being delivered to receivers that were never told about it.
import { Type, type Static, type TSchema, type TString, type TUnsafe } from "@sinclair/typebox";
import { NAME_COMPONENT_PATTERN } from "./access.js";
import { SCAN_STATUS_CODES, type ScanStatus } from "./scan-status.js";
import { EVENT_TYPES, type EventType } from "./types.js";

const closed = { additionalProperties: false } as const;

function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnsafe<T[number]> {
  // A plain `enum` keeps validation errors to one line, unlike TypeBox's anyOf of literals.
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

// ---- field patterns --------------------------------------------------------------------------

const NAME_BODY = NAME_COMPONENT_PATTERN.slice(1, -1);

/** `namespace/repository`, both parts in Docker's path-component grammar. */
export const REPOSITORY_PATH_PATTERN = `^${NAME_BODY}/${NAME_BODY}$`;
/** Docker's tag grammar. */
export const TAG_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$";
/** The OCI registered digest algorithms, lowercase hex as registries print them. */
export const DIGEST_PATTERN = "^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$";
/** Helm chart names: no path separators or spaces, so they fit in a location path. */
export const CHART_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]*$";
/** A SemVer 2 version (Helm requires one), optionally with a leading `v`. */
export const CHART_VERSION_PATTERN = "^v?[0-9A-Za-z][0-9A-Za-z.+-]*$";
/** No whitespace anywhere (image references never contain any). */
export const NO_WHITESPACE_PATTERN = "^\\S+$";

// ---- shared fields -----------------------------------------------------------------------------

const Namespace = Type.String({
  pattern: NAME_COMPONENT_PATTERN,
  maxLength: 255,
  description: "Namespace (user or organization) of the repository.",
});
const RepositoryName = Type.String({
  pattern: NAME_COMPONENT_PATTERN,
  maxLength: 255,
  description: "Repository name within the namespace.",
});
const RepositoryPath = (description: string) =>
  Type.String({ pattern: REPOSITORY_PATH_PATTERN, maxLength: 255, description });
const Tag = (description = "Image tag.") => Type.String({ pattern: TAG_PATTERN, description });
const Digest = Type.String({
  pattern: DIGEST_PATTERN,
  description: "Manifest digest, e.g. sha256:<64 hex>.",
});
const ImageName = (description: string) =>
  Type.String({ minLength: 1, maxLength: 1024, pattern: NO_WHITESPACE_PATTERN, description });
const Os = Type.String({ description: "Image platform OS, e.g. linux; empty when unknown." });
const Architecture = Type.String({
  description: "Image platform architecture, e.g. amd64; empty when unknown.",
});
const Author = Type.String({ description: "Account that caused the event; empty when unknown." });
const Time = (description: string) => Type.String({ format: "date-time", description });
const Count = (description: string) => Type.Integer({ minimum: 0, description });

// ---- TAG_* and MANIFEST_* ----------------------------------------------------------------------

function tagContents<K extends string>(timeField: K, verb: string) {
  const time = { [timeField]: Time(`When the tag was ${verb}.`) } as Record<K, TString>;
  return Type.Object(
    {
      namespace: Namespace,
      repository: RepositoryName,
      tag: Tag(),
      digest: Digest,
      imageName: ImageName("host/namespace/repository:tag, registry host included."),
      os: Os,
      architecture: Architecture,
      author: Author,
      ...time,
    },
    closed,
  );
}

function manifestContents<K extends string>(timeField: K, verb: string) {
  const time = { [timeField]: Time(`When the manifest was ${verb}.`) } as Record<K, TString>;
  return Type.Object(
    {
      namespace: Namespace,
      repository: RepositoryName,
      tag: Type.Optional(Tag("A tag naming the manifest, where known.")),
      digest: Digest,
      imageName: ImageName(
        "host/namespace/repository:tag when a tag names the manifest (what DTR sends and receivers split on ':'), else host/namespace/repository@digest.",
      ),
      os: Os,
      architecture: Architecture,
      author: Author,
      ...time,
    },
    closed,
  );
}

export const TAG_PUSH_CONTENTS_SCHEMA = tagContents("pushedAt", "pushed");
export const TAG_PULL_CONTENTS_SCHEMA = tagContents("pulledAt", "pulled");
export const TAG_DELETE_CONTENTS_SCHEMA = tagContents("deletedAt", "deleted");
export const MANIFEST_PUSH_CONTENTS_SCHEMA = manifestContents("pushedAt", "pushed");
export const MANIFEST_PULL_CONTENTS_SCHEMA = manifestContents("pulledAt", "pulled");
export const MANIFEST_DELETE_CONTENTS_SCHEMA = manifestContents("deletedAt", "deleted");

// ---- SCAN_* ------------------------------------------------------------------------------------

export const SCAN_SUMMARY_SCHEMA = Type.Object(
  {
    namespace: Namespace,
    // `reponame`, not `repository`: what MSR really sends.
    reponame: RepositoryName,
    tag: Tag(),
    critical: Count("Vulnerabilities with CVSS >= 7."),
    major: Count("Vulnerabilities with 4 <= CVSS < 7."),
    minor: Count("Vulnerabilities with 0 < CVSS < 4."),
    last_scan_status: Type.Unsafe<ScanStatus>({
      type: "integer",
      enum: [...SCAN_STATUS_CODES],
      description: "Scan status code (0 failed ... 6 completed).",
    }),
    check_completed_at: Time("When the vulnerability check completed."),
    should_rescan: Type.Boolean(),
    has_foreign_layers: Type.Boolean(),
  },
  closed,
);

export const SCAN_COMPLETED_CONTENTS_SCHEMA = Type.Object(
  {
    namespace: Namespace,
    repository: RepositoryName,
    tag: Tag(),
    imageName: ImageName("host/namespace/repository:tag, registry host included."),
    scanSummary: SCAN_SUMMARY_SCHEMA,
  },
  closed,
);

export const SCAN_FAILED_CONTENTS_SCHEMA = Type.Object(
  {
    namespace: Namespace,
    repository: RepositoryName,
    tag: Tag(),
    imageName: ImageName("host/namespace/repository:tag, registry host included."),
    error: Type.String({ description: "Why the scan failed." }),
  },
  closed,
);

// ---- PROMOTION and *_MIRRORING -----------------------------------------------------------------

export const PROMOTION_CONTENTS_SCHEMA = Type.Object(
  {
    promotionPolicyID: Type.String({ minLength: 1 }),
    digest: Digest,
    sourceRepository: RepositoryPath("Source repository as namespace/repository."),
    sourceTag: Tag("Source tag."),
    targetRepository: RepositoryPath("Target repository as namespace/repository."),
    targetTag: Tag("Target tag."),
    promotedAt: Time("When the image was promoted."),
  },
  closed,
);

function mirroringContents() {
  return Type.Object(
    {
      mirroringPolicyID: Type.String({ minLength: 1 }),
      digest: Digest,
      localRepository: RepositoryPath("Repository on this registry as namespace/repository."),
      localTag: Tag("Tag on this registry."),
      remoteHost: Type.String({ minLength: 1, description: "The other registry." }),
      remoteRepository: Type.String({ minLength: 1, description: "Repository on the other registry." }),
      remoteTag: Tag("Tag on the other registry."),
      mirroredAt: Time("When the image was mirrored."),
    },
    closed,
  );
}

export const PUSH_MIRRORING_CONTENTS_SCHEMA = mirroringContents();
export const POLL_MIRRORING_CONTENTS_SCHEMA = mirroringContents();

// ---- CHART_* -----------------------------------------------------------------------------------

export const LINT_RESULT_SCHEMA = Type.Object(
  { passed: Type.Boolean(), messages: Type.Array(Type.String()) },
  closed,
);

function chartFields<K extends string>(timeField: K, verb: string) {
  const time = { [timeField]: Time(`When the chart was ${verb}.`) } as Record<K, TString>;
  return {
    namespace: Namespace,
    repository: RepositoryName,
    chartName: Type.String({ pattern: CHART_NAME_PATTERN, maxLength: 255 }),
    chartVersion: Type.String({ pattern: CHART_VERSION_PATTERN, maxLength: 128 }),
    author: Author,
    ...time,
  };
}

export const CHART_PUSH_CONTENTS_SCHEMA = Type.Object(chartFields("pushedAt", "pushed"), closed);
export const CHART_PULL_CONTENTS_SCHEMA = Type.Object(chartFields("pulledAt", "pulled"), closed);
export const CHART_DELETE_CONTENTS_SCHEMA = Type.Object(chartFields("deletedAt", "deleted"), closed);
export const CHART_LINTED_CONTENTS_SCHEMA = Type.Object(
  { ...chartFields("lintedAt", "linted"), lintResult: LINT_RESULT_SCHEMA },
  closed,
);

// ---- REPO_EVENT --------------------------------------------------------------------------------

/** The repository object of API section 5. */
export const REPOSITORY_OBJECT_SCHEMA = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    namespace: Namespace,
    namespaceType: StringEnum(["user", "organization"]),
    name: RepositoryName,
    shortDescription: Type.String(),
    longDescription: Type.String(),
    visibility: StringEnum(["public", "private"]),
    scanOnPush: Type.Boolean(),
    immutableTags: Type.Boolean(),
    enableManifestLists: Type.Boolean(),
    pulls: Count("Number of pulls."),
    pushes: Count("Number of pushes."),
    tagLimit: Count("Most tags the repository keeps; 0 for no limit."),
  },
  { ...closed, title: "Repository" },
);

const repoEventFields = {
  namespace: Namespace,
  repository: RepositoryName,
  author: Author,
};

const REPO_CHANGED_CONTENTS_SCHEMA = Type.Object(
  {
    ...repoEventFields,
    event: StringEnum(["REPO_CREATED", "REPO_UPDATED"]),
    data: REPOSITORY_OBJECT_SCHEMA,
  },
  closed,
);

const REPO_DELETED_CONTENTS_SCHEMA = Type.Object(
  {
    ...repoEventFields,
    event: Type.Literal("REPO_DELETED"),
    data: Type.Unsafe<Record<string, never>>({
      type: "object",
      maxProperties: 0,
      description: "Always {} on delete.",
    }),
  },
  closed,
);

// oneOf + discriminator (not TypeBox's anyOf) so a bad REPO_EVENT is reported against the branch
// its `event` selects, not as "matches none of two schemas".
export const REPO_EVENT_CONTENTS_SCHEMA = Type.Unsafe<
  Static<typeof REPO_CHANGED_CONTENTS_SCHEMA> | Static<typeof REPO_DELETED_CONTENTS_SCHEMA>
>({
  type: "object",
  discriminator: { propertyName: "event" },
  oneOf: [REPO_CHANGED_CONTENTS_SCHEMA, REPO_DELETED_CONTENTS_SCHEMA],
});

// ---- SCANNER_UPDATE_COMPLETED ------------------------------------------------------------------

export const SCANNER_REPLICA_STATUS_SCHEMA = Type.Object(
  {
    db_updated_at: Time("When this replica's vulnerability database was updated."),
    // A string, as MSR sends it (its seed payload has `"version": ""`): a Go receiver decoding
    // MSR's struct refuses a number here, so an integer is refused at ingest, not delivered.
    version: Type.String({ maxLength: 255, description: "Vulnerability database version on the replica (a string; may be empty)." }),
    replica_id: Type.String({ minLength: 1 }),
  },
  closed,
);

export const SCANNER_UPDATE_COMPLETED_CONTENTS_SCHEMA = Type.Object(
  {
    scanner_version: Type.String({ minLength: 1 }),
    scanner_updated_at: Time("When the scanner was updated."),
    db_version: Type.Integer({ minimum: 0 }),
    db_updated_at: Time("When the vulnerability database was updated."),
    success: Type.Boolean(),
    replicas: Type.Unsafe<Record<string, Static<typeof SCANNER_REPLICA_STATUS_SCHEMA>>>({
      type: "object",
      additionalProperties: SCANNER_REPLICA_STATUS_SCHEMA,
      description: "Status per replica, keyed by replica ID.",
    }),
  },
  closed,
);

// ---- the table ---------------------------------------------------------------------------------

export const CONTENTS_SCHEMAS = {
  TAG_PUSH: TAG_PUSH_CONTENTS_SCHEMA,
  TAG_PULL: TAG_PULL_CONTENTS_SCHEMA,
  TAG_DELETE: TAG_DELETE_CONTENTS_SCHEMA,
  MANIFEST_PUSH: MANIFEST_PUSH_CONTENTS_SCHEMA,
  MANIFEST_PULL: MANIFEST_PULL_CONTENTS_SCHEMA,
  MANIFEST_DELETE: MANIFEST_DELETE_CONTENTS_SCHEMA,
  SCAN_COMPLETED: SCAN_COMPLETED_CONTENTS_SCHEMA,
  SCAN_FAILED: SCAN_FAILED_CONTENTS_SCHEMA,
  PROMOTION: PROMOTION_CONTENTS_SCHEMA,
  PUSH_MIRRORING: PUSH_MIRRORING_CONTENTS_SCHEMA,
  POLL_MIRRORING: POLL_MIRRORING_CONTENTS_SCHEMA,
  CHART_PUSH: CHART_PUSH_CONTENTS_SCHEMA,
  CHART_PULL: CHART_PULL_CONTENTS_SCHEMA,
  CHART_DELETE: CHART_DELETE_CONTENTS_SCHEMA,
  CHART_LINTED: CHART_LINTED_CONTENTS_SCHEMA,
  REPO_EVENT: REPO_EVENT_CONTENTS_SCHEMA,
  SCANNER_UPDATE_COMPLETED: SCANNER_UPDATE_COMPLETED_CONTENTS_SCHEMA,
} as const satisfies { [T in EventType]: TSchema };

export type ContentsOf<T extends EventType> = Static<(typeof CONTENTS_SCHEMAS)[T]>;

/** Contents of any event type. */
export type EventContents = ContentsOf<EventType>;

export type TagPushContents = ContentsOf<"TAG_PUSH">;
export type TagPullContents = ContentsOf<"TAG_PULL">;
export type TagDeleteContents = ContentsOf<"TAG_DELETE">;
export type ManifestPushContents = ContentsOf<"MANIFEST_PUSH">;
export type ManifestPullContents = ContentsOf<"MANIFEST_PULL">;
export type ManifestDeleteContents = ContentsOf<"MANIFEST_DELETE">;
export type ScanSummary = Static<typeof SCAN_SUMMARY_SCHEMA>;
export type ScanCompletedContents = ContentsOf<"SCAN_COMPLETED">;
export type ScanFailedContents = ContentsOf<"SCAN_FAILED">;
export type PromotionContents = ContentsOf<"PROMOTION">;
export type PushMirroringContents = ContentsOf<"PUSH_MIRRORING">;
export type PollMirroringContents = ContentsOf<"POLL_MIRRORING">;
export type LintResult = Static<typeof LINT_RESULT_SCHEMA>;
export type ChartPushContents = ContentsOf<"CHART_PUSH">;
export type ChartPullContents = ContentsOf<"CHART_PULL">;
export type ChartDeleteContents = ContentsOf<"CHART_DELETE">;
export type ChartLintedContents = ContentsOf<"CHART_LINTED">;
export type RepositoryObject = Static<typeof REPOSITORY_OBJECT_SCHEMA>;
export type RepoEventContents = ContentsOf<"REPO_EVENT">;
export type ScannerReplicaStatus = Static<typeof SCANNER_REPLICA_STATUS_SCHEMA>;
export type ScannerUpdateCompletedContents = ContentsOf<"SCANNER_UPDATE_COMPLETED">;

// ---- a producer's event ------------------------------------------------------------------------

/** An event as a producer hands it in (queue job data or POST /api/v0/events body). */
export const EVENT_INPUT_SCHEMA = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Producer's id; a repeat within 24 hours is a duplicate.",
      }),
    ),
    type: StringEnum(EVENT_TYPES),
    createdAt: Type.Optional(Time("When the event happened; defaults to when it is accepted.")),
    contents: Type.Unsafe<Record<string, unknown>>({
      type: "object",
      description: "The contents object of the type's schema.",
    }),
    location: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description: "Envelope location; derived from the contents when absent.",
      }),
    ),
  },
  { ...closed, title: "EventInput" },
);

export type EventInput = Static<typeof EVENT_INPUT_SCHEMA>;
