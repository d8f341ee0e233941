// Bench data written with set-based SQL (generate_series), so a million rows take seconds: the
// owner account, its repositories, and subscriptions (all pointing at the bench receiver), plus the
// bulk filler of the cost benchmark (other users' subscriptions, events, deliveries and attempts).
import { randomUUID } from "node:crypto";
import type pg from "pg";

export const OWNER = "bench";

/** A signing secret as the API makes them (whsec_ + base64 of 32 random bytes), made in SQL. */
const SQL_SECRET = `'whsec_' || encode(decode(md5(random()::text) || md5(random()::text), 'hex'), 'base64')`;
/** A webhook id as the API makes them: 64 hex characters. */
const SQL_WEBHOOK_ID = `encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex')`;

export async function seedUser(pool: pg.Pool, name: string, opts: { isAdmin?: boolean } = {}): Promise<string> {
  const id = randomUUID();
  await pool.query(`INSERT INTO "Account" (id, name, "isAdmin") VALUES ($1, $2, $3)`, [id, name, opts.isAdmin ?? false]);
  return id;
}

/** Repositories `app-0` ... `app-(count-1)` in the owner's namespace. */
export async function seedRepositories(pool: pg.Pool, ownerId: string, count: number): Promise<string[]> {
  await pool.query(
    `INSERT INTO "Repository" (id, "namespaceId", name)
     SELECT gen_random_uuid(), $1, 'app-' || i FROM generate_series(0, $2 - 1) AS i`,
    [ownerId, count],
  );
  return Array.from({ length: count }, (_, i) => `app-${i}`);
}

/**
 * `perRepository` TAG_PUSH subscriptions on each of the owner's repositories, authored by the owner
 * (so fan-out needs no access query), each to its own path on the receiver. Subscriptions take the
 * receiver's origins in turn, so the deliveries of one event go to `perRepository` different origins.
 */
export async function seedSubscriptions(
  pool: pg.Pool,
  opts: { ownerId: string; repositories: readonly string[]; perRepository: number; receiverUrls: readonly string[] },
): Promise<number> {
  const result = await pool.query(
    `INSERT INTO "Webhook" (id, type, key, "namespaceId", "repositoryId", endpoint, "authorId", "createdAt", "skipTLSVerification", "signingSecret")
     SELECT ${SQL_WEBHOOK_ID}, 'TAG_PUSH', $1 || '/' || repo, $3, rp.id,
            ($2::text[])[1 + ((r - 1) * $5 + k - 1) % cardinality($2::text[])] || '/hook/' || repo || '/' || k,
            $3, now(), true, ${SQL_SECRET}
       FROM unnest($4::text[]) WITH ORDINALITY AS t(repo, r)
       JOIN "Repository" AS rp ON rp."namespaceId" = $3 AND rp.name = t.repo,
            generate_series(1, $5) AS k`,
    [OWNER, opts.receiverUrls, opts.ownerId, opts.repositories, opts.perRepository],
  );
  return result.rowCount ?? 0;
}
