// Registry notifications (POST /api/v0/events/distribution): checks the registry's token,
// turns each manifest push / pull / delete into MANIFEST_* and TAG_* events with the image's
// platform, creates a pushed repository the service does not know (with its REPO_CREATED), and
// stores it all once per registry event id, however often the registry resends it.
import type { PrismaClient } from "@msr-webhooks/db/client";
import { validateEventInput } from "@msr-webhooks/events/validate";
import { eventTypeLabel, type Metrics } from "@msr-webhooks/observability/metrics";
import { bearerMatches } from "@msr-webhooks/observability/bearer";
import type { Logger } from "winston";
import { ApiError } from "../errors.js";
import {
  distributionProducerId,
  mapNotice,
  parseRegistryEvent,
  type ManifestNotice,
  type MappedEvent,
} from "../registry/notification-mapper.js";
import { describePlatforms, type Platform } from "../registry/platforms.js";
import type { RegistryCache } from "../registry/registry-cache.js";
import { createRepositoryOnPush } from "../registry/repository-on-push.js";
import type { DistributionEnvelope, DistributionResult } from "../schemas/event-distribution.schemas.js";
import type { EventRecorder, NewEvent } from "./event-recorder.service.js";
import { repoEventContents } from "../presenters/repository.presenter.js";

/** Where platforms come from: the registry's API (RegistryClient). */
export interface PlatformSource {
  platformsOf(repository: string, digest: string): Promise<Platform[]>;
}

export interface DistributionServiceDeps {
  db: PrismaClient;
  events: EventRecorder;
  registry: PlatformSource;
  cache: RegistryCache;
  /** REGISTRY_HOST: the host in every imageName. */
  registryHost: string;
  /** The User-Agent the registry client sends: its reads are not reported as pulls. */
  registryUserAgent: string;
  /** REGISTRY_NOTIFICATION_TOKEN; undefined disables the endpoint. */
  notificationToken: string | undefined;
  log: Logger;
  metrics?: Pick<Metrics, "eventsRejected">;
}

const NO_PLATFORM: Platform = { os: "", architecture: "" };

export class DistributionService {
  constructor(private readonly deps: DistributionServiceDeps) {}

  /** The registry authenticates with `Authorization: Bearer <REGISTRY_NOTIFICATION_TOKEN>`. */
  authorize(authorization: string | undefined): void {
    const expected = this.deps.notificationToken;
    if (expected === undefined) {
      throw new ApiError("NOT_AUTHORIZED", "registry notifications are disabled: REGISTRY_NOTIFICATION_TOKEN is not set");
    }
    if (!bearerMatches(authorization, expected)) {
      throw new ApiError("NOT_AUTHENTICATED", "a registry notification needs Authorization: Bearer <token>", undefined, {
        "WWW-Authenticate": 'Bearer realm="msr-webhooks registry notifications"',
      });
    }
  }

  /** Handles the registry events one after another, in the order the registry sent them. */
  async handle(envelope: DistributionEnvelope): Promise<DistributionResult> {
    const result: DistributionResult = { events: [], ignored: 0 };
    for (const e of envelope.events) {
      const parsed = parseRegistryEvent(e, { ownUserAgent: this.deps.registryUserAgent });
      if ("ignored" in parsed) {
        result.ignored++;
        this.deps.log.debug("registry event ignored", { registryEventId: e.id, reason: parsed.ignored });
        continue;
      }
      const produced = await this.handleNotice(parsed.notice);
      if (produced.length === 0) result.ignored++;
      result.events.push(...produced);
    }
    return result;
  }

  private async handleNotice(n: ManifestNotice): Promise<DistributionResult["events"]> {
    const repoPath = `${n.namespace}/${n.repository}`;
    let digest = n.digest;
    if (n.action === "delete" && n.digest !== undefined && n.requestId !== undefined) {
      await this.deps.cache.rememberDeletedManifest(n.requestId, repoPath, n.digest);
    }
    if (digest === undefined && n.requestId !== undefined) {
      digest = (await this.deps.cache.deletedManifest(n.requestId, repoPath)) ?? undefined;
    }
    if (digest === undefined) {
      this.deps.log.warn("tag delete without a known manifest digest: no TAG_DELETE", {
        registryEventId: n.eventId,
        repository: repoPath,
        tag: n.tag,
      });
      return [];
    }
    const platform = await this.platformOf(n, repoPath, digest);
    const mapped = mapNotice(n, { registryHost: this.deps.registryHost, platform, digest });
    const events = mapped.flatMap((m) => this.checked(m, n));

    const { results, recorded } = await this.deps.db.$transaction(async (tx) => {
      const all: NewEvent[] = [];
      if (n.action === "push") {
        const created = await createRepositoryOnPush(tx, n.namespace, n.repository);
        if (created !== null) {
          this.deps.log.info("repository created on push", {
            repository: repoPath,
            namespaceCreated: created.namespaceCreated,
            author: n.author,
          });
          all.push({
            type: "REPO_EVENT",
            contents: repoEventContents("REPO_CREATED", n.author, created.repository),
            createdAt: n.time,
            source: "distribution",
            producerId: distributionProducerId(n.eventId, "REPO_EVENT"),
          });
        }
      }
      all.push(...events);
      const stored = await this.deps.events.insertMany(tx, all);
      const counter = n.action === "push" ? "pushes" : n.action === "pull" ? "pulls" : null;
      if (counter !== null && stored.some((r) => !r.duplicate)) {
        await tx.repository.updateMany({
          where: { name: n.repository, namespace: { name: n.namespace } },
          data: { [counter]: { increment: 1 } },
        });
      }
      return { results: stored, recorded: all };
    });
    await this.deps.events.publish(results, recorded);
    return results.map((r, i) => ({ id: r.id, type: recorded[i]?.type ?? "", duplicate: r.duplicate }));
  }

  // A contents object that breaks its schema is a bug here, not the registry's: log, skip.
  private checked(m: MappedEvent, n: ManifestNotice): NewEvent[] {
    const v = validateEventInput({ type: m.type, createdAt: m.createdAt, contents: m.contents });
    if (!v.ok) {
      this.deps.metrics?.eventsRejected.inc({ type: eventTypeLabel(m.type), source: "distribution" });
      this.deps.log.error("registry event made an invalid webhook event: skipped", {
        registryEventId: n.eventId,
        type: m.type,
        errors: v.errors,
      });
      return [];
    }
    return [
      {
        type: v.event.type,
        contents: v.event.contents,
        // The registry's own time with all its digits (Distribution prints nanoseconds, as MSR's Go does).
        createdAt: v.event.createdAt,
        ...(v.event.location === undefined ? {} : { location: v.event.location }),
        source: "distribution",
        producerId: m.producerId,
      },
    ];
  }

  /**
   * The image's platform: remembered per digest, else read from the registry. A delete cannot
   * read it (the manifest is gone) and uses only what was remembered. A registry that does not
   * answer costs the event its os/architecture, never the event.
   */
  private async platformOf(n: ManifestNotice, repoPath: string, digest: string): Promise<Platform> {
    const cached = await this.deps.cache.platform(digest).catch(() => null);
    if (cached !== null) return cached;
    if (n.action === "delete") return NO_PLATFORM;
    try {
      const platform = describePlatforms(await this.deps.registry.platformsOf(repoPath, digest));
      await this.deps.cache.rememberPlatform(digest, platform).catch(() => undefined);
      return platform;
    } catch (err) {
      this.deps.log.warn("could not read the image platform from the registry: os/architecture left empty", {
        registryEventId: n.eventId,
        repository: repoPath,
        digest,
        error: err instanceof Error ? err.message : String(err),
      });
      return NO_PLATFORM;
    }
  }
}
