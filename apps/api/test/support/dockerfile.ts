// Reads a Dockerfile the way the deployment tests need it: its stages (name, base, WORKDIR) and
// every instruction, with line continuations joined and COPY/ADD split into flags, sources and
// destination (shell and JSON forms).

export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based line of the instruction's first line. */
  line: number;
}

export interface CopyInstruction {
  keyword: "COPY" | "ADD";
  from: string | null;
  sources: string[];
  destination: string;
  line: number;
}

export interface Stage {
  name: string | null;
  base: string;
  workdir: string | null;
  instructions: Instruction[];
  copies: CopyInstruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (buffer === "" && (line.trim() === "" || line.trim().startsWith("#"))) return;
    if (buffer !== "" && line.trim().startsWith("#")) return;
    if (buffer === "") start = i + 1;
    if (line.endsWith("\\")) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const match = /^\s*(\w+)\s+([\s\S]*)$/.exec(buffer);
    if (match) out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start });
    buffer = "";
  });
  return out;
}

function words(args: string): string[] {
  if (args.startsWith("[")) return JSON.parse(args) as string[];
  return args.split(/\s+/).filter((w) => w.length > 0);
}

function parseCopy(ins: Instruction): CopyInstruction {
  let rest = ins.args;
  let from: string | null = null;
  for (;;) {
    const flag = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest);
    if (!flag) break;
    if (flag[1] === "from") from = flag[2] ?? null;
    rest = rest.slice(flag[0].length);
  }
  const parts = words(rest);
  if (parts.length < 2) throw new Error(`line ${ins.line}: ${ins.keyword} needs a source and a destination`);
  return {
    keyword: ins.keyword as "COPY" | "ADD",
    from,
    sources: parts.slice(0, -1),
    destination: parts[parts.length - 1]!,
    line: ins.line,
  };
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ name: m[2] ?? null, base: m[1]!, workdir: null, instructions: [], copies: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) continue; // ARG before the first FROM
    stage.instructions.push(ins);
    if (ins.keyword === "WORKDIR") stage.workdir = ins.args;
    if (ins.keyword === "COPY" || ins.keyword === "ADD") stage.copies.push(parseCopy(ins));
  }
  return stages;
}

/** Whether a context path is excluded by .dockerignore patterns of the simple kinds used here. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const clean = path.replace(/^\.\//, "").replace(/\/+$/, "");
  return patterns.some((p) => {
    if (p.startsWith("**/")) {
      const tail = p.slice(3);
      if (tail.startsWith("*.")) return clean.endsWith(tail.slice(1));
      return clean === tail || clean.endsWith(`/${tail}`) || clean.startsWith(`${tail}/`) || clean.includes(`/${tail}/`);
    }
    return clean === p || clean.startsWith(`${p}/`);
  });
}

export function dockerignorePatterns(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
