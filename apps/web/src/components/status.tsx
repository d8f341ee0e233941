// Loading and error states in words, announced to screen readers.
import type { ReactNode } from "react";
import type { Async } from "./useAsync";

export function ErrorMessage({ text }: { text: string | null }): ReactNode {
  if (!text) return null;
  return (
    <p role="alert" className="error">
      {text}
    </p>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }): ReactNode {
  return (
    <p role="status" aria-live="polite" className="loading">
      {label}
    </p>
  );
}

/** Shows the error, the loading note (after 200 ms), or the content once there is a value. */
export function AsyncView<T>({ state, children }: { state: Async<T>; children: (value: T) => ReactNode }): ReactNode {
  if (state.error) return <ErrorMessage text={state.error} />;
  if (state.value === null) return state.slow ? <Loading /> : null;
  return (
    <>
      {state.slow && <Loading label="Refreshing…" />}
      {children(state.value)}
    </>
  );
}
