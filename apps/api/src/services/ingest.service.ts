// HTTP ingest (POST /api/v0/events): checks one event, or a batch `{events:[...]}` all or
// nothing, against the events package's schemas, and stores the valid ones for fan-out. The
// producer's `id` is the dedupe key: a repeat within 24 hours answers the first event's id.
import { validateEventInput, type FieldError, type NormalizedEvent } from "@msr-webhooks/events/validate";
import { eventTypeLabel, type Metrics } from "@msr-webhooks/observability/metrics";
import { ApiError } from "../errors.js";
import { MAX_EVENT_BATCH } from "../schemas/event.schemas.js";
import type { EventRecorder, NewEvent, RecordedEvent } from "./event-recorder.service.js";

export type IngestResult = { batch: false; event: RecordedEvent } | { batch: true; events: RecordedEvent[] };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function invalid(errors: FieldError[], prefix: string, index?: number): ApiError {
  const named = errors.map((e) => ({ field: [prefix, e.field].filter((s) => s !== "").join("."), message: e.message }));
  const message = named.map((e) => `${e.field || "body"} ${e.message}`).join("; ");
  const detail: Record<string, unknown> = { field: named[0]?.field ?? prefix, errors: named };
  if (index !== undefined) detail["index"] = index;
  return new ApiError("INVALID_PARAMETERS", index === undefined ? message : `event ${index}: ${message}`, detail);
}

function toNewEvent(e: NormalizedEvent): NewEvent {
  // createdAt as validated (Go's form, every digit the producer gave): delivered as is.
  const event: NewEvent = { type: e.type, contents: e.contents, createdAt: e.createdAt, source: "http" };
  if (e.location !== undefined) event.location = e.location;
  if (e.id !== undefined) event.producerId = e.id;
  return event;
}

function typeOf(item: unknown): string {
  return eventTypeLabel(isPlainObject(item) ? item["type"] : undefined);
}

export class IngestService {
  constructor(
    private readonly events: EventRecorder,
    private readonly metrics?: Pick<Metrics, "eventsRejected">,
  ) {}

  /** The body as the adapter parsed it (a JSON object): one event, or `{events: [...]}`. */
  async ingest(body: unknown): Promise<IngestResult> {
    if (isPlainObject(body) && "events" in body) {
      let events: NormalizedEvent[];
      try {
        events = this.checkBatch(body);
      } catch (err) {
        // All or nothing: every event of a refused batch is rejected.
        const list = Array.isArray(body["events"]) ? (body["events"] as unknown[]) : [body];
        for (const item of list.slice(0, MAX_EVENT_BATCH)) this.rejected(typeOf(item));
        throw err;
      }
      return { batch: true, events: await this.events.recordMany(events.map(toNewEvent)) };
    }
    const v = validateEventInput(body);
    if (!v.ok) {
      this.rejected(typeOf(body));
      throw invalid(v.errors, "");
    }
    const [event] = await this.events.recordMany([toNewEvent(v.event)]);
    if (event === undefined) throw new Error("recordMany returned no result");
    return { batch: false, event };
  }

  private rejected(type: string): void {
    this.metrics?.eventsRejected.inc({ type, source: "http" });
  }

  private checkBatch(body: Record<string, unknown>): NormalizedEvent[] {
    const extra = Object.keys(body).find((k) => k !== "events");
    if (extra !== undefined) throw invalid([{ field: extra, message: "is not a field of a batch" }], "");
    const list = body["events"];
    if (!Array.isArray(list)) throw invalid([{ field: "events", message: "must be an array" }], "");
    if (list.length === 0) throw invalid([{ field: "events", message: "must hold at least one event" }], "");
    if (list.length > MAX_EVENT_BATCH) {
      throw invalid([{ field: "events", message: `must hold at most ${MAX_EVENT_BATCH} events` }], "");
    }
    return list.map((item, i) => {
      const v = validateEventInput(item);
      if (!v.ok) throw invalid(v.errors, `events.${i}`, i);
      return v.event;
    });
  }
}
