// Prisma client factory shared by both apps: the query compiler over the pg driver
// adapter (no native engine), pool size from the caller's config.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/client/index.js";

export { Prisma, PrismaClient } from "../generated/client/index.js";
export type * from "../generated/client/index.js";

export interface DbOptions {
  url: string;
  /** Maximum connections in this process's pool. */
  poolSize?: number;
}

export function createPrisma(options: DbOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.url,
    max: options.poolSize ?? 10,
  });
  return new PrismaClient({ adapter });
}
