// Creates the first system admin from configuration when no admin exists yet; the
// create-admin CLI uses the same upsert.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@msr-webhooks/db/client";
import { hashSecret } from "./secret-hash.js";

export type BootstrapResult = "exists" | "created" | "missing-password";

/** Creates the user as a system admin, or promotes (and re-passwords) an existing user. */
export async function upsertAdmin(db: PrismaClient, username: string, password: string): Promise<void> {
  const passwordHash = await hashSecret(password);
  await db.account.upsert({
    where: { name: username },
    update: { isAdmin: true, passwordHash, isOrg: false },
    create: { id: randomUUID(), name: username, isAdmin: true, passwordHash },
  });
}

export async function ensureAdmin(
  db: PrismaClient,
  admin: { username: string; password: string | undefined },
): Promise<BootstrapResult> {
  const existing = await db.account.findFirst({ where: { isAdmin: true, isOrg: false }, select: { id: true } });
  if (existing) return "exists";
  if (!admin.password) return "missing-password";
  await upsertAdmin(db, admin.username, admin.password);
  return "created";
}
