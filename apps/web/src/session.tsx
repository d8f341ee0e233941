// Who is signed in (from GET /api/v0/session at start and the sign-in answer), shared by the views.
import { createContext, useContext } from "react";
import type { SessionInfo } from "./api/types";

export interface SessionState {
  session: SessionInfo;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside a signed-in console");
  return state;
}
