// The signing secret: hidden until revealed, copy, rotate (the old one keeps signing for a while),
// and code that verifies a delivery with it.
import { useState, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Secret } from "../api/types";
import { ErrorMessage } from "../components/status";
import { useAction } from "../components/useAsync";
import { when } from "../format";
import { verificationSnippet, type SnippetLanguage } from "../snippets";

const LANGUAGES: SnippetLanguage[] = ["Node.js", "Python", "Go"];

export function SecretPanel({ id }: { id: string }): ReactNode {
  const [secret, setSecret] = useState<Secret | null>(null);
  const [language, setLanguage] = useState<SnippetLanguage>("Node.js");
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const reveal = async (): Promise<void> => {
    const s = await action.run(() => unwrap(api.GET("/api/v0/webhooks/{id}/secret", { params: { path: { id } } })));
    if (s) setSecret(s);
  };
  const rotate = async (): Promise<void> => {
    const s = await action.run(() => unwrap(api.POST("/api/v0/webhooks/{id}/secret/rotate", { params: { path: { id } } })));
    if (s) {
      setSecret(s);
      setNote(`Rotated. The old secret still signs until ${when(s.previousSecretExpiresAt)}.`);
    }
  };
  const copy = async (): Promise<void> => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.secret);
      setNote("Copied the secret.");
    } catch {
      setNote("Copying is not allowed here: select the secret and copy it yourself.");
    }
  };
  return (
    <section aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      {secret ? (
        <>
          <p>
            <code aria-label="Current signing secret" className="secret">
              {secret.secret}
            </code>
          </p>
          {secret.previousSecret && <p>The previous secret still signs until {when(secret.previousSecretExpiresAt)}.</p>}
          <button type="button" onClick={() => void copy()}>
            Copy secret
          </button>{" "}
          <button type="button" onClick={() => setSecret(null)}>
            Hide secret
          </button>
        </>
      ) : (
        <button type="button" onClick={() => void reveal()} disabled={action.busy}>
          Reveal secret
        </button>
      )}{" "}
      <button type="button" onClick={() => void rotate()} disabled={action.busy}>
        Rotate secret
      </button>
      {note && <p role="status">{note}</p>}
      <ErrorMessage text={action.error} />
      <h3>Verify a delivery</h3>
      <div role="group" aria-label="Language">
        {LANGUAGES.map((l) => (
          <button key={l} type="button" aria-pressed={language === l} onClick={() => setLanguage(l)}>
            {l}
          </button>
        ))}
      </div>
      <pre tabIndex={0} aria-label={`Verification code in ${language}`}>
        {verificationSnippet(language, secret?.secret ?? "whsec_...your secret...")}
      </pre>
    </section>
  );
}
