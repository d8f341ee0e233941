// The sign-in form: a password or an API token works; the API sets the session cookie.
import { useState, type FormEvent, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { SessionInfo } from "../api/types";
import { ErrorMessage } from "../components/status";
import { useAction } from "../components/useAsync";

export function SignIn({ onSignedIn }: { onSignedIn: (session: SessionInfo) => void }): ReactNode {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const session = await action.run(() => unwrap(api.POST("/api/v0/session", { body: { username, password } })));
    if (session) {
      setPassword("");
      onSignedIn(session);
    }
  };
  return (
    <main className="sign-in">
      <h1>msr-webhooks console</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="sign-in-help">
        <p id="sign-in-help">Sign in with your registry account: its password or one of its API tokens.</p>
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <ErrorMessage text={action.error} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
