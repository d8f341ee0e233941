// The console's entry: checks for a session, then shows the sign-in form or the signed-in pages.
import { StrictMode, useCallback, useEffect, useState, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { api, setCsrfToken, whenSignedOut } from "./api/client";
import type { SessionInfo } from "./api/types";
import { Loading } from "./components/status";
import { SessionContext } from "./session";
import { Shell } from "./views/Shell";
import { SignIn } from "./views/SignIn";
import "./styles.css";

function App(): ReactNode {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const signedIn = useCallback((s: SessionInfo | null) => {
    setCsrfToken(s?.csrfToken ?? null);
    setSession(s);
  }, []);
  useEffect(() => {
    whenSignedOut(() => signedIn(null));
    api
      .GET("/api/v0/session")
      .then(({ data }) => signedIn(data ?? null))
      .catch(() => signedIn(null));
  }, [signedIn]);
  const signOut = useCallback(async () => {
    await api.DELETE("/api/v0/session").catch(() => undefined);
    signedIn(null);
  }, [signedIn]);
  if (session === undefined) return <Loading />;
  if (session === null) return <SignIn onSignedIn={signedIn} />;
  return (
    <SessionContext.Provider value={{ session, signOut }}>
      <Shell />
    </SessionContext.Provider>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
