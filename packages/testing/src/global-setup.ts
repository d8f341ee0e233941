// Jest globalSetup for every package of the workspace: holds the test-run lease for the life of
// the jest process (see run-lease.ts) and builds the migrated template database once, before any
// suite and outside every test's hook (each suite then only copies it).
import type pg from "pg";
import { ensureTemplate } from "./database.js";
import { holdRunLease } from "./run-lease.js";

/** Where globalTeardown finds the lease's connection (jest shares globals between the two). */
export const LEASE_GLOBAL = "__msrwhTestRunLease";

export default async function globalSetup(): Promise<void> {
  (globalThis as Record<string, unknown>)[LEASE_GLOBAL] = await holdRunLease();
  await ensureTemplate();
}

export function heldLease(): pg.Client | undefined {
  return (globalThis as Record<string, unknown>)[LEASE_GLOBAL] as pg.Client | undefined;
}
