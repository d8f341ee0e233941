// A webhook's payload format (MSR, CloudEvents, Slack, Teams) and filters (tag globs, REPO_EVENT
// kinds, scan severity), kept outside the MSR webhook object; and a test send in that format.
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { WebhookTestSent } from "../api/types";
import { ErrorMessage } from "../components/status";
import { useAction, useAsync } from "../components/useAsync";
import { duration } from "../format";
import { filtersFor, FORMATS, formOf, REPO_EVENT_KINDS, settingsBody, type Format, type Mode, type SettingsForm, type Severity } from "../payload-settings";

/** A JSON body indented for reading (what was sent is compact); anything else as it was. */
function indented(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body) as unknown, null, 2);
  } catch {
    return body;
  }
}

export function PayloadPanel({ id, type }: { id: string; type: string }): ReactNode {
  const loaded = useAsync(() => unwrap(api.GET("/api/v0/webhooks/{id}/settings", { params: { path: { id } } })), [id]);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [saved, setSaved] = useState(false);
  const [sent, setSent] = useState<WebhookTestSent | null>(null);
  const action = useAction();
  useEffect(() => {
    if (loaded.value) setForm(formOf(loaded.value));
  }, [loaded.value]);
  const fits = filtersFor(type);
  if (loaded.error) return <ErrorMessage text={loaded.error} />;
  if (form === null) return null;
  const set = (change: Partial<SettingsForm>): void => {
    setSaved(false);
    setForm({ ...form, ...change });
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setSaved(false);
    const body = settingsBody(form, type);
    const done = await action.run(() => unwrap(api.PUT("/api/v0/webhooks/{id}/settings", { params: { path: { id } }, body })));
    if (done) {
      setForm(formOf(done));
      setSaved(true);
    }
  };
  const test = async (): Promise<void> => {
    setSent(null);
    const result = await action.run(() => unwrap(api.POST("/api/v0/webhooks/{id}/test", { params: { path: { id } } })));
    if (result) setSent(result);
  };
  return (
    <section aria-labelledby="payload-heading">
      <h2 id="payload-heading">Payload format and filters</h2>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="payload-format">Format</label>
        <select id="payload-format" value={form.format} onChange={(e) => set({ format: e.target.value as Format })}>
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        {form.format === "cloudevents" && (
          <fieldset>
            <legend>CloudEvents mode</legend>
            {(["structured", "binary"] as Mode[]).map((m) => (
              <div className="check" key={m}>
                <input id={`payload-mode-${m}`} type="radio" name="payload-mode" checked={form.mode === m} onChange={() => set({ mode: m })} />
                <label htmlFor={`payload-mode-${m}`}>{m === "structured" ? "Structured (application/cloudevents+json)" : "Binary (ce-* headers)"}</label>
              </div>
            ))}
          </fieldset>
        )}
        {(form.format === "slack" || form.format === "teams") && <p>Chat messages are not signed: the incoming-webhook URL is the secret.</p>}
        {fits.tags && (
          <>
            <label htmlFor="payload-tags">Only tags matching (globs such as v* or release-*, one per line; empty: every tag)</label>
            <textarea id="payload-tags" rows={2} value={form.tags} onChange={(e) => set({ tags: e.target.value })} />
          </>
        )}
        {fits.repoEvents && (
          <fieldset>
            <legend>Only these repository events (none ticked: all)</legend>
            {REPO_EVENT_KINDS.map((k) => (
              <div className="check" key={k}>
                <input
                  id={`payload-kind-${k}`}
                  type="checkbox"
                  checked={form.repoEvents.includes(k)}
                  onChange={(e) => set({ repoEvents: e.target.checked ? [...form.repoEvents, k] : form.repoEvents.filter((x) => x !== k) })}
                />
                <label htmlFor={`payload-kind-${k}`}>{k}</label>
              </div>
            ))}
          </fieldset>
        )}
        {fits.severity && (
          <>
            <label htmlFor="payload-severity">Only scans that found</label>
            <select id="payload-severity" value={form.minSeverity} onChange={(e) => set({ minSeverity: e.target.value as Severity | "" })}>
              <option value="">anything (every scan)</option>
              <option value="critical">critical vulnerabilities</option>
              <option value="major">critical or major vulnerabilities</option>
            </select>
          </>
        )}
        <ErrorMessage text={action.error} />
        {saved && <p role="status">Saved. Deliveries use it from a few seconds on.</p>}
        <button type="submit" disabled={action.busy}>
          Save payload settings
        </button>{" "}
        <button type="button" onClick={() => void test()} disabled={action.busy}>
          Send a test in this format
        </button>
      </form>
      {sent && (
        <section aria-label="Formatted test result" className="test-result">
          <p role="status">
            {sent.ok ? "Delivered" : "Not delivered"} as {sent.format}: receiver status {sent.statusCode ?? "none"} in {duration(sent.durationMs)}
            {sent.error ? ` (${sent.error})` : ""}
          </p>
          {sent.filtered && <p>A real event like this example would be skipped: {sent.filtered}.</p>}
          <h3>Request sent</h3>
          <pre tabIndex={0} aria-label="Request sent">
            {Object.entries(sent.headers)
              .map(([k, v]) => `${k}: ${v}`)
              .join("\n")}
            {"\n\n"}
            {indented(sent.body)}
          </pre>
        </section>
      )}
    </section>
  );
}
