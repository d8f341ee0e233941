// The fixed example payloads sent by POST /webhooks/test: "the example payload sent is always
// the same" (API section 3), so every value here is a constant except the registry host.
import { locationOf } from "./envelope.js";
import type { ContentsOf, RepositoryObject } from "./schemas.js";
import { ScanStatus } from "./scan-status.js";
import type { EventType } from "./types.js";

export const TEST_NAMESPACE = "foo";
export const TEST_REPOSITORY = "bar";
export const TEST_TAG = "latest";
export const TEST_DIGEST = "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c";
export const TEST_OS = "linux";
export const TEST_ARCHITECTURE = "amd64";
export const TEST_AUTHOR = "";
export const TEST_TIME = "2015-01-02T15:04:05Z";

export interface TestPayload<T extends EventType = EventType> {
  contents: ContentsOf<T>;
  location?: string;
}

const REPOSITORY_PATH = `${TEST_NAMESPACE}/${TEST_REPOSITORY}`;
const POLICY_ID = "6e4b8f2a-3c1d-4f5e-9a7b-2d8c0e1f3a5b";
const REPOSITORY_ID = "0f6a5c3e-8d2b-4e1f-a7c9-5b3d1e9f2a4c";
const REPLICA_ID = "a1b2c3d4e5f6";

function tagImage(host: string): string {
  return `${host}/${REPOSITORY_PATH}:${TEST_TAG}`;
}

function tagFields(host: string) {
  return {
    namespace: TEST_NAMESPACE,
    repository: TEST_REPOSITORY,
    tag: TEST_TAG,
    digest: TEST_DIGEST,
    imageName: tagImage(host),
    os: TEST_OS,
    architecture: TEST_ARCHITECTURE,
    author: TEST_AUTHOR,
  };
}


function chartFields() {
  return {
    namespace: TEST_NAMESPACE,
    repository: TEST_REPOSITORY,
    chartName: TEST_REPOSITORY,
    chartVersion: "0.1.0",
    author: TEST_AUTHOR,
  };
}

function mirroringFields() {
  return {
    mirroringPolicyID: POLICY_ID,
    digest: TEST_DIGEST,
    localRepository: REPOSITORY_PATH,
    localTag: TEST_TAG,
    remoteHost: "https://registry.example.com",
    remoteRepository: REPOSITORY_PATH,
    remoteTag: TEST_TAG,
    mirroredAt: TEST_TIME,
  };
}

function repositoryObject(): RepositoryObject {
  return {
    id: REPOSITORY_ID,
    namespace: TEST_NAMESPACE,
    namespaceType: "organization",
    name: TEST_REPOSITORY,
    shortDescription: "",
    longDescription: "",
    visibility: "public",
    scanOnPush: false,
    immutableTags: false,
    enableManifestLists: false,
    pulls: 0,
    pushes: 0,
    tagLimit: 0,
  };
}

// Builders make fresh objects on every call, so a caller that mutates one changes nothing else.
const BUILDERS: { [T in EventType]: (host: string) => ContentsOf<T> } = {
  TAG_PUSH: (host) => ({ ...tagFields(host), pushedAt: TEST_TIME }),
  TAG_PULL: (host) => ({ ...tagFields(host), pulledAt: TEST_TIME }),
  TAG_DELETE: (host) => ({ ...tagFields(host), deletedAt: TEST_TIME }),
  // DTR's captured MANIFEST_* test payloads carry the tag and `host/ns/repo:tag` (not `@digest`):
  // receivers such as the Jenkins dockerhub-notification plugin take the repository from
  // imageName.split(":")[0] and read `tag` unconditionally.
  MANIFEST_PUSH: (host) => ({ ...tagFields(host), pushedAt: TEST_TIME }),
  MANIFEST_PULL: (host) => ({ ...tagFields(host), pulledAt: TEST_TIME }),
  MANIFEST_DELETE: (host) => ({ ...tagFields(host), deletedAt: TEST_TIME }),
  SCAN_COMPLETED: (host) => ({
    namespace: TEST_NAMESPACE,
    repository: TEST_REPOSITORY,
    tag: TEST_TAG,
    imageName: tagImage(host),
    scanSummary: {
      namespace: TEST_NAMESPACE,
      reponame: TEST_REPOSITORY,
      tag: TEST_TAG,
      critical: 1,
      major: 2,
      minor: 3,
      last_scan_status: ScanStatus.Completed,
      check_completed_at: TEST_TIME,
      should_rescan: false,
      has_foreign_layers: false,
    },
  }),
  SCAN_FAILED: (host) => ({
    namespace: TEST_NAMESPACE,
    repository: TEST_REPOSITORY,
    tag: TEST_TAG,
    imageName: tagImage(host),
    error: "example scan failure",
  }),
  PROMOTION: () => ({
    promotionPolicyID: POLICY_ID,
    digest: TEST_DIGEST,
    sourceRepository: `${TEST_NAMESPACE}/${TEST_REPOSITORY}-dev`,
    sourceTag: TEST_TAG,
    targetRepository: REPOSITORY_PATH,
    targetTag: TEST_TAG,
    promotedAt: TEST_TIME,
  }),
  PUSH_MIRRORING: () => mirroringFields(),
  POLL_MIRRORING: () => mirroringFields(),
  CHART_PUSH: () => ({ ...chartFields(), pushedAt: TEST_TIME }),
  CHART_PULL: () => ({ ...chartFields(), pulledAt: TEST_TIME }),
  CHART_DELETE: () => ({ ...chartFields(), deletedAt: TEST_TIME }),
  CHART_LINTED: () => ({
    ...chartFields(),
    lintedAt: TEST_TIME,
    lintResult: { passed: true, messages: ["[INFO] Chart.yaml: icon is recommended"] },
  }),
  REPO_EVENT: () => ({
    namespace: TEST_NAMESPACE,
    repository: TEST_REPOSITORY,
    event: "REPO_CREATED",
    author: TEST_AUTHOR,
    data: repositoryObject(),
  }),
  SCANNER_UPDATE_COMPLETED: () => ({
    scanner_version: "1.0.0",
    scanner_updated_at: TEST_TIME,
    db_version: 1,
    db_updated_at: TEST_TIME,
    success: true,
    // MSR's own seed payload sends the replica's version as "".
    replicas: { [REPLICA_ID]: { db_updated_at: TEST_TIME, version: "", replica_id: REPLICA_ID } },
  }),
};

/** The fixed example of `type`; `registryHost` (e.g. `reg.example.com:443`) goes into imageName as is. */
export function testPayload<T extends EventType>(type: T, registryHost: string): TestPayload<T> {
  const contents = (BUILDERS[type] as (host: string) => ContentsOf<T>)(registryHost);
  const location = locationOf<T>(type, contents);
  return location === undefined ? { contents } : { contents, location };
}
