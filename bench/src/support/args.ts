// Command-line options of the bench scripts: `--name value` pairs with defaults, and repeatable
// `--env KEY=VALUE` settings passed to the worker processes (for experiments).

export interface ParsedArgs {
  number(name: string, fallback: number): number;
  numbers(name: string, fallback: readonly number[]): number[];
  string(name: string, fallback: string): string;
  flag(name: string): boolean;
  /** The `--env KEY=VALUE` settings. */
  env: Record<string, string>;
  /** `--worker-node-flags="--a --b"`: node flags for the worker processes instead of the default. */
  workerNodeFlags: string[] | undefined;
  /** `--worker-entry PATH`: another build of the worker (e.g. a copy of dist/ from before a change). */
  workerEntry: string | undefined;
}

export function parseArgs(argv: readonly string[] = process.argv.slice(2)): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const env: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const name = arg.slice(2);
    const eq = name.indexOf("=");
    if (eq > 0) {
      // --name=value: the only way to pass a value that starts with "--" (node flags).
      values.set(name.slice(0, eq), name.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) {
      flags.add(name);
      continue;
    }
    i += 1;
    if (name === "env") {
      const eq = next.indexOf("=");
      if (eq <= 0) throw new Error(`--env wants KEY=VALUE, got "${next}"`);
      env[next.slice(0, eq)] = next.slice(eq + 1);
    } else {
      values.set(name, next);
    }
  }
  const num = (name: string, raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`--${name} wants a number, got "${raw}"`);
    return n;
  };
  return {
    number: (name, fallback) => (values.has(name) ? num(name, values.get(name) as string) : fallback),
    numbers: (name, fallback) =>
      values.has(name) ? (values.get(name) as string).split(",").map((v) => num(name, v.trim())) : [...fallback],
    string: (name, fallback) => values.get(name) ?? fallback,
    flag: (name) => flags.has(name),
    env,
    workerEntry: values.get("worker-entry"),
    workerNodeFlags: values.has("worker-node-flags") ? (values.get("worker-node-flags") as string).split(/\s+/).filter(Boolean) : undefined,
  };
}
