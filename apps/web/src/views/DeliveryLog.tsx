// A webhook's deliveries, newest first: filter by status (asked of the API) and event type,
// older pages on demand, and "recover every failed delivery since ...".
import { useState, type FormEvent, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Delivery, DeliveryEventType, DeliveryPage, DeliveryStatus } from "../api/types";
import { Link } from "../components/Link";
import { AsyncView, ErrorMessage } from "../components/status";
import { useAction, useAsync } from "../components/useAsync";
import { DELIVERED_TYPES } from "../event-types";
import { localInputToRfc3339, when } from "../format";

const STATUSES: DeliveryStatus[] = ["pending", "retrying", "succeeded", "failed", "skipped"];
const PAGE_SIZE = 25;

function lastStatusCode(d: Delivery): string {
  const last = d.attempts[d.attempts.length - 1];
  if (!last) return "none yet";
  return last.statusCode === null ? (last.errorKind ?? "no answer") : String(last.statusCode);
}

function Recover({ id, onDone }: { id: string; onDone: () => void }): ReactNode {
  const [since, setSince] = useState("");
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setNote(null);
    const at = localInputToRfc3339(since);
    if (at === null) {
      setNote("Enter a date and time.");
      return;
    }
    const r = await action.run(() => unwrap(api.POST("/api/v0/webhooks/{id}/recover", { params: { path: { id } }, body: { since: at } })));
    if (r) {
      setNote(`Queued ${r.count} failed deliveries again${r.capped ? ` (the first ${r.limit}: recover again for the rest)` : ""}.`);
      onDone();
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="inline">
      <label htmlFor="recover-since">Recover every failed delivery since</label>
      <input id="recover-since" type="datetime-local" required value={since} onChange={(e) => setSince(e.target.value)} />
      <button type="submit" disabled={action.busy}>
        Recover
      </button>
      {note && <p role="status">{note}</p>}
      <ErrorMessage text={action.error} />
    </form>
  );
}

export function DeliveryLog({ id }: { id: string }): ReactNode {
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const [eventType, setEventType] = useState<DeliveryEventType | "">("");
  const [older, setOlder] = useState<Delivery[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const more = useAction();
  const fetchPage = (from?: string): Promise<DeliveryPage> =>
    unwrap(
      api.GET("/api/v0/webhooks/{id}/deliveries", {
        params: {
          path: { id },
          query: { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(eventType ? { eventType } : {}), ...(from ? { cursor: from } : {}) },
        },
      }),
    );
  const first = useAsync(async () => {
    const page = await fetchPage();
    setOlder([]);
    setCursor(page.nextCursor);
    return page;
  }, [id, status, eventType]);
  const loadOlder = async (): Promise<void> => {
    if (!cursor) return;
    const page = await more.run(() => fetchPage(cursor));
    if (page) {
      setOlder((o) => [...o, ...page.deliveries]);
      setCursor(page.nextCursor);
    }
  };
  return (
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">Delivery log</h2>
      <div className="filters">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={status} onChange={(e) => setStatus(e.target.value as DeliveryStatus | "")}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor="filter-type">Event type</label>
        <select id="filter-type" value={eventType} onChange={(e) => setEventType(e.target.value as DeliveryEventType | "")}>
          <option value="">any</option>
          {DELIVERED_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="button" onClick={first.reload}>
          Refresh
        </button>
      </div>
      <AsyncView state={first}>
        {(page) => {
          const rows = [...page.deliveries, ...older];
          return (
            <>
              {rows.length === 0 ? (
                <p>No deliveries{status || eventType ? " match these filters" : " yet"}.</p>
              ) : (
                <table>
                  <caption className="visually-hidden">Deliveries, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Created</th>
                      <th scope="col">Event type</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Last answer</th>
                      <th scope="col">Delivery</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((d) => (
                      <tr key={d.id}>
                        <td>{when(d.createdAt)}</td>
                        <td>{d.eventType}</td>
                        <td className={`status-${d.status}`}>{d.status}</td>
                        <td>{d.attemptCount}</td>
                        <td>{lastStatusCode(d)}</td>
                        <td>
                          <Link to={{ page: "delivery", id, deliveryId: d.id }}>
                            View {d.id.slice(0, 8)}
                          </Link>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {cursor && (
                <button type="button" onClick={() => void loadOlder()} disabled={more.busy}>
                  {more.busy ? "Loading…" : "Older deliveries"}
                </button>
              )}
              <ErrorMessage text={more.error} />
            </>
          );
        }}
      </AsyncView>
      <Recover id={id} onDone={first.reload} />
    </section>
  );
}
