// Loads something for a view: the value, a loading flag that shows only after 200 ms (fast
// answers do not flash), the error in words, and reload().
import { useCallback, useEffect, useRef, useState } from "react";

export interface Async<T> {
  value: T | null;
  error: string | null;
  slow: boolean;
  loading: boolean;
  reload(): void;
}

export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [slow, setSlow] = useState(false);
  const [round, setRound] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    const timer = setTimeout(() => live && setSlow(true), 200);
    loader
      .current()
      .then((v) => live && setValue(v))
      .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        clearTimeout(timer);
        if (!live) return;
        setLoading(false);
        setSlow(false);
      });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { value, error, slow, loading, reload };
}

/** Runs an action (a button's work): busy while it runs, its error in words. */
export function useAction(): {
  busy: boolean;
  error: string | null;
  run<T>(action: () => Promise<T>): Promise<T | undefined>;
  clear(): void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}
