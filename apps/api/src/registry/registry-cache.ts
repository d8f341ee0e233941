// What registry notifications need to remember, kept in Redis so that every API replica sees
// it: the platform of a digest (content-addressed, so it never changes; pulls then cost no
// registry round trip, and deletes, whose manifest is gone, still know it), and the digest a
// manifest delete removed, for the tag deletes of the same request that name no digest.
import type { Redis } from "ioredis";
import type { Platform } from "./platforms.js";

const PLATFORM_TTL_S = 30 * 24 * 3600;
const DELETE_TTL_S = 24 * 3600;

export class RegistryCache {
  constructor(
    private readonly redis: Redis,
    /** The deployment's key prefix (QUEUE_PREFIX). */
    private readonly prefix: string,
  ) {}

  private platformKey(digest: string): string {
    return `${this.prefix}:registry:platform:${digest}`;
  }

  private deleteKey(requestId: string, repository: string): string {
    return `${this.prefix}:registry:deleted:${requestId}:${repository}`;
  }

  async platform(digest: string): Promise<Platform | null> {
    const raw = await this.redis.get(this.platformKey(digest));
    if (raw === null) return null;
    const p = JSON.parse(raw) as Partial<Platform>;
    return { os: p.os ?? "", architecture: p.architecture ?? "" };
  }

  async rememberPlatform(digest: string, platform: Platform): Promise<void> {
    await this.redis.set(this.platformKey(digest), JSON.stringify(platform), "EX", PLATFORM_TTL_S);
  }

  async rememberDeletedManifest(requestId: string, repository: string, digest: string): Promise<void> {
    await this.redis.set(this.deleteKey(requestId, repository), digest, "EX", DELETE_TTL_S);
  }

  async deletedManifest(requestId: string, repository: string): Promise<string | null> {
    return this.redis.get(this.deleteKey(requestId, repository));
  }
}
