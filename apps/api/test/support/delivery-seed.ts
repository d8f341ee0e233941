// Delivery-log rows written straight to the test database, for tests that need exact times
// (to the microsecond, as PostgreSQL keeps them), statuses or attempts without a worker: one
// event per delivery, as fan-out would make them.
import { randomUUID } from "node:crypto";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import type { TestContext } from "./test-context.js";

export interface DeliverySeed {
  /** RFC 3339 UTC, up to six fraction digits. */
  createdAt: string;
  status?: string;
  attemptCount?: number;
  nextAttemptAt?: string | null;
  reason?: string | null;
}

export interface AttemptSeed {
  number: number;
  trigger?: string;
  startedAt?: Date;
  durationMs?: number;
  statusCode?: number | null;
  responseBody?: string;
  errorKind?: string | null;
  errorMessage?: string | null;
  nextAttemptAt?: Date | null;
}

/** Inserts the deliveries (and their events) for `webhookId`; returns their ids in the order given. */
export async function seedDeliveries(ctx: TestContext, webhookId: string, seeds: DeliverySeed[], host = "registry.test:5000"): Promise<string[]> {
  const db = ctx.deps.services.db;
  const payload = testPayload("TAG_PUSH", host);
  const rows = seeds.map((s) => ({
    id: randomUUID(),
    event_id: randomUUID(),
    status: s.status ?? "succeeded",
    reason: s.reason ?? null,
    attempt_count: s.attemptCount ?? 0,
    next_at: s.nextAttemptAt ?? null,
    created_at: s.createdAt,
  }));
  await db.event.createMany({
    data: rows.map((r) => ({
      id: r.event_id,
      type: "TAG_PUSH",
      source: "test",
      createdAt: new Date(r.created_at),
      contents: payload.contents,
      location: payload.location ?? null,
      namespace: "foo",
      repository: "bar",
      status: "fanned_out",
    })),
  });
  await db.$executeRaw`
    INSERT INTO "Delivery" (id, "eventId", "webhookId", status, reason, "attemptCount", "nextAttemptAt", "createdAt", "updatedAt")
    SELECT r.id, r.event_id, ${webhookId}, r.status, r.reason, r.attempt_count, r.next_at, r.created_at, r.created_at
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r(id uuid, event_id uuid, status text, reason text, attempt_count int, next_at timestamptz, created_at timestamptz)`;
  return rows.map((r) => r.id);
}

export async function seedAttempt(ctx: TestContext, deliveryId: string, a: AttemptSeed): Promise<void> {
  const { db } = ctx.deps.services;
  // As the worker records it: with its delivery's webhook.
  const { webhookId } = await db.delivery.findUniqueOrThrow({ where: { id: deliveryId }, select: { webhookId: true } });
  await db.deliveryAttempt.create({
    data: {
      id: randomUUID(),
      deliveryId,
      webhookId,
      number: a.number,
      trigger: a.trigger ?? "scheduled",
      startedAt: a.startedAt ?? new Date(),
      durationMs: a.durationMs ?? 12,
      statusCode: a.statusCode === undefined ? 200 : a.statusCode,
      responseHeaders: { "content-type": "text/plain" },
      responseBody: a.responseBody ?? "",
      errorKind: a.errorKind ?? null,
      errorMessage: a.errorMessage ?? null,
      nextAttemptAt: a.nextAttemptAt ?? null,
    },
  });
}
