// The deployment files, checked without a Docker engine: docker/compose.yml parses (with
// `docker compose config` when the compose plugin is installed, always with a YAML parser and the
// structural rules: migrations once, workers scalable, Redis persistent and noeviction); every
// variable the apps read is set for their service or has a default, and the values compose gives
// pass each app's own config validation; .env.example and docs/configuration.md list every
// variable; and every file or directory the Dockerfiles COPY exists where the build will look
// for it (the build context, `turbo prune`'s output, or the build stage's outputs).
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Env as ApiEnv, loadConfig as loadApiConfig } from "../src/config.js";
import { interpolate, readCompose, serviceEnvironment, type ComposeFile, type ComposeService } from "./support/compose.js";
import { dockerignorePatterns, isIgnored, parseDockerfile, type Stage } from "./support/dockerfile.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const dockerDir = path.join(repoRoot, "docker");
const composePath = path.join(dockerDir, "compose.yml");

interface EnvSchema {
  properties: Record<string, { default?: unknown }>;
  required?: string[];
}

interface AppUnderTest {
  service: "api" | "worker";
  env: EnvSchema;
  loadConfig(source: Record<string, string | undefined>): unknown;
}

/**
 * The worker's schema and loader, read from its source at run time: the API never imports the
 * worker (architecture.md), and this test only needs the values, not the types.
 */
async function workerApp(): Promise<AppUnderTest> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, "apps/worker/src/config.ts")).href)) as {
    Env?: EnvSchema;
    loadConfig: AppUnderTest["loadConfig"];
  };
  if (mod.Env === undefined) throw new Error("apps/worker/src/config.ts must export its Env schema");
  return { service: "worker", env: mod.Env, loadConfig: mod.loadConfig };
}

function apps(): Promise<AppUnderTest[]> {
  return workerApp().then((worker) => [
    { service: "api", env: ApiEnv as unknown as EnvSchema, loadConfig: loadApiConfig },
    worker,
  ]);
}

function composeCli(): { ok: true } | { ok: false; reason: string } {
  try {
    execFileSync("docker", ["compose", "version"], { stdio: "pipe" });
    return { ok: true };
  } catch (err) {
    const out = err as { code?: string; stderr?: Buffer };
    const reason = out.code === "ENOENT" ? "no docker CLI" : (out.stderr?.toString().trim().split("\n")[0] ?? "docker compose unavailable");
    return { ok: false, reason: `the docker compose plugin is not installed here: ${reason}` };
  }
}

describe("docker/compose.yml", () => {
  const cli = composeCli();
  let compose: ComposeFile;

  beforeAll(() => {
    compose = readCompose(composePath);
  });

  (cli.ok ? it : it.skip)(
    `parses with \`docker compose config\`${cli.ok ? "" : ` (skipped: ${cli.reason}; the YAML and structure checks below still run)`}`,
    async () => {
      const { stdout } = await run("docker", ["compose", "-f", composePath, "config", "--services"], { cwd: repoRoot });
      expect(stdout.split("\n").filter(Boolean).sort()).toEqual(["api", "migrate", "postgres", "redis", "worker"]);
    },
  );

  it("is valid YAML with the five services, and every ${...} interpolates with nothing set", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["api", "migrate", "postgres", "redis", "worker"]);
    const text = readFileSync(composePath, "utf8");
    // A required variable (${X:?...}) would make `docker compose config` fail on a bare machine.
    expect(() => interpolate(text, {})).not.toThrow();
  });

  it("builds the app images from the repository root with the Dockerfiles in docker/", () => {
    for (const name of ["migrate", "api", "worker"]) {
      const build = compose.services[name]!.build!;
      expect(path.resolve(dockerDir, build.context)).toBe(repoRoot);
      expect(existsSync(path.resolve(dockerDir, build.context, build.dockerfile))).toBe(true);
    }
    expect(compose.services.migrate!.build).toEqual(compose.services.api!.build);
    expect(compose.services.migrate!.image).toBe(compose.services.api!.image);
  });

  it("runs the migrations once, in a one-shot service that the replicas wait for", () => {
    const migrate = compose.services.migrate!;
    expect(migrate.command).toEqual(["node", "packages/db/dist/cli/prepare.js", "--migrate-only"]);
    expect(existsSync(path.join(repoRoot, "packages/db/src/cli/prepare.ts"))).toBe(true);
    expect(migrate.restart).toBe("no");
    expect(migrate.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    for (const name of ["api", "worker"]) {
      const service = compose.services[name]!;
      expect(service.command).toBeUndefined(); // the image's CMD: the app itself, never a migration
      expect(service.depends_on).toMatchObject({
        migrate: { condition: "service_completed_successfully" },
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      });
    }
    // prepare.js reads nothing but DATABASE_URL, which migrate gets (the same URL as the apps).
    const reads = [...readFileSync(path.join(repoRoot, "packages/db/src/cli/prepare.ts"), "utf8").matchAll(/process\.env\.(\w+)/g)].map((m) => m[1]);
    expect(reads).toEqual(["DATABASE_URL"]);
    expect(serviceEnvironment(migrate).DATABASE_URL).toBe(serviceEnvironment(compose.services.api!).DATABASE_URL);
  });

  it("lets the worker scale: no container_name, no host ports, a grace period longer than the shutdown's", () => {
    const worker = compose.services.worker!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    for (const service of Object.values(compose.services)) expect(service.container_name).toBeUndefined();
    const graceMs = Number(serviceEnvironment(worker).SHUTDOWN_GRACE_MS);
    expect(Number(/^(\d+)s$/.exec(worker.stop_grace_period ?? "")?.[1]) * 1000).toBeGreaterThan(graceMs);
  });

  it("keeps Redis append-only with noeviction (BullMQ loses jobs otherwise) and both stores on volumes", () => {
    const redis = compose.services.redis!;
    const command = Array.isArray(redis.command) ? redis.command.join(" ") : (redis.command ?? "");
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes).toEqual(["redis-data:/data"]);
    expect(compose.services.postgres!.volumes).toEqual(["postgres-data:/var/lib/postgresql/data"]);
    for (const name of ["postgres", "redis"]) expect(compose.services[name]!.healthcheck).toBeDefined();
  });

  it("sets every variable each app requires, and only variables the app knows", async () => {
    const problems: string[] = [];
    for (const app of await apps()) {
      const env = serviceEnvironment(compose.services[app.service] as ComposeService);
      const required = new Set(app.env.required ?? []);
      for (const [name, schema] of Object.entries(app.env.properties)) {
        const given = env[name] !== undefined && env[name] !== "";
        if (!given && required.has(name) && schema.default === undefined) problems.push(`${app.service}: ${name} is required and not set`);
      }
      for (const name of Object.keys(env)) {
        if (!(name in app.env.properties)) problems.push(`${app.service}: ${name} is set but the app does not read it`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("gives values that pass each app's own validation, as set and with an operator's overrides", async () => {
    for (const app of await apps()) {
      const service = compose.services[app.service] as ComposeService;
      expect(() => app.loadConfig(serviceEnvironment(service))).not.toThrow();
      const overrides = { LOG_LEVEL: "debug", QUEUE_PREFIX: "prod1", METRICS_TOKEN: "m".repeat(24), OUTBOUND_DENY_CIDRS: "10.0.0.0/8" };
      expect(() => app.loadConfig(serviceEnvironment(service, overrides))).not.toThrow();
    }
  });
});

describe("the settings are documented", () => {
  it("lists every variable of both apps in .env.example and docs/configuration.md, and nothing unknown", async () => {
    const known = new Set<string>();
    for (const app of await apps()) for (const name of Object.keys(app.env.properties)) known.add(name);
    const example = readFileSync(path.join(repoRoot, ".env.example"), "utf8");
    const inExample = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    const docs = readFileSync(path.join(repoRoot, "docs/configuration.md"), "utf8");
    const inDocs = new Set([...docs.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]!));
    expect([...known].filter((n) => !inExample.has(n))).toEqual([]);
    expect([...known].filter((n) => !inDocs.has(n))).toEqual([]);
    expect([...inExample].filter((n) => !known.has(n))).toEqual([]);
    expect([...inDocs].filter((n) => !known.has(n))).toEqual([]);
  });

  it("reads the environment only through the validated config (no stray process.env.X in the apps)", async () => {
    const known = new Set<string>();
    for (const app of await apps()) for (const name of Object.keys(app.env.properties)) known.add(name);
    const stray: string[] = [];
    for (const appDir of ["apps/api/src", "apps/worker/src"]) {
      for (const file of readdirSync(path.join(repoRoot, appDir), { recursive: true, encoding: "utf8" })) {
        if (!file.endsWith(".ts")) continue;
        const text = readFileSync(path.join(repoRoot, appDir, file), "utf8");
        for (const m of text.matchAll(/process\.env(?:\.(\w+)|\[["'](\w+)["']\])/g)) {
          const name = m[1] ?? m[2]!;
          if (!known.has(name)) stray.push(`${appDir}/${file}: ${name}`);
        }
      }
    }
    expect(stray).toEqual([]);
  });
});

interface PackageJson {
  name: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

function workspacePackages(): Map<string, { dir: string; pkg: PackageJson }> {
  const out = new Map<string, { dir: string; pkg: PackageJson }>();
  for (const parent of ["apps", "packages"]) {
    for (const name of readdirSync(path.join(repoRoot, parent))) {
      const file = path.join(repoRoot, parent, name, "package.json");
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, "utf8")) as PackageJson;
      out.set(pkg.name, { dir: `${parent}/${name}`, pkg });
    }
  }
  return out;
}

/** The workspace packages an app runs with: itself and its production workspace dependencies. */
function runtimeWorkspace(appName: string): string[] {
  const all = workspacePackages();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const [dep, range] of Object.entries(all.get(name)?.pkg.dependencies ?? {})) {
      if (range.startsWith("workspace:")) visit(dep);
    }
  };
  visit(appName);
  return [...seen].map((n) => all.get(n)!.dir).sort();
}

function outDirOf(packageDir: string): string | null {
  const file = path.join(repoRoot, packageDir, "tsconfig.build.json");
  if (!existsSync(file)) return null;
  const config = JSON.parse(readFileSync(file, "utf8")) as { compilerOptions?: { outDir?: string } };
  return config.compilerOptions?.outDir ?? null;
}

function prismaOutputDir(): string {
  const schema = readFileSync(path.join(repoRoot, "prisma/schema.prisma"), "utf8");
  const output = /output\s*=\s*"([^"]+)"/.exec(schema)?.[1];
  if (!output) throw new Error("schema.prisma has no generator output");
  return path.relative(repoRoot, path.resolve(repoRoot, "prisma", output));
}

const strip = (p: string): string => p.replace(/\/+$/, "");

/** The node flags of an app's start script (`node <flags> dist/index.js`); its image runs the same. */
function startScriptFlags(appDir: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, appDir, "package.json"), "utf8")) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? "").split(/\s+/).filter(Boolean);
  expect(words[0]).toBe("node");
  return words.slice(1, -1);
}

describe.each([
  { file: "api.Dockerfile", app: "@msr-webhooks/api", entry: "apps/api/dist/index.js" },
  { file: "worker.Dockerfile", app: "@msr-webhooks/worker", entry: "apps/worker/dist/index.js" },
])("docker/$file", ({ file, app, entry }) => {
  const dockerfile = path.join(dockerDir, file);
  let stages: Stage[];
  let pruned: string;
  let ignore: string[];

  beforeAll(async () => {
    stages = parseDockerfile(readFileSync(dockerfile, "utf8"));
    ignore = dockerignorePatterns(readFileSync(`${dockerfile}.dockerignore`, "utf8"));
    pruned = mkdtempSync(path.join(tmpdir(), "msrwh-prune-"));
    // Exactly what the prune stage runs, into a temporary directory.
    const turbo = path.join(repoRoot, "node_modules/.bin/turbo");
    await run(turbo, ["prune", app, "--docker", "--out-dir", pruned], {
      cwd: repoRoot,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    });
  });

  afterAll(() => {
    rmSync(pruned, { recursive: true, force: true });
  });

  const stage = (name: string): Stage => {
    const found = stages.find((s) => s.name === name);
    if (!found) throw new Error(`${file}: no stage ${name}`);
    return found;
  };

  it("prunes the workspace to this app with turbo prune --docker", () => {
    const prune = stage("prune").instructions.find((i) => i.keyword === "RUN")!;
    expect(prune.args).toBe(`turbo prune ${app} --docker --out-dir /pruned`);
  });

  it("installs pnpm 12.21.0 with npm (not corepack), and only production dependencies for the runtime", () => {
    const tools = stage("tools").instructions.filter((i) => i.keyword === "RUN").map((i) => i.args).join("\n");
    expect(tools).toMatch(/npm install -g pnpm@12\.21\.0/);
    expect(readFileSync(dockerfile, "utf8")).not.toMatch(/^\s*RUN .*corepack/m);
    const deps = stage("deps").instructions.filter((i) => i.keyword === "RUN").map((i) => i.args).join("\n");
    expect(deps).toMatch(/pnpm install --frozen-lockfile --prod/);
    expect(readFileSync(path.join(repoRoot, "pnpm-workspace.yaml"), "utf8")).toMatch(/^pmOnFail: ignore$/m);
  });

  it("copies from the build context only files that exist and are not dockerignored", () => {
    const problems: string[] = [];
    for (const s of stages) {
      for (const copy of s.copies.filter((c) => c.from === null)) {
        for (const source of copy.sources) {
          if (source === ".") continue;
          if (!existsSync(path.join(repoRoot, source))) problems.push(`line ${copy.line}: ${source} does not exist`);
          else if (isIgnored(source, ignore)) problems.push(`line ${copy.line}: ${source} is dockerignored`);
        }
      }
    }
    expect(problems).toEqual([]);
    // The whole context goes to the prune stage: what must never be in it, is not.
    for (const p of ["node_modules", ".git", "apps/api/dist", "packages/db/generated", ".env", "apps/worker/node_modules"]) {
      expect(isIgnored(p, ignore)).toBe(true);
    }
  });

  it("copies from the prune stage only what turbo prune produces", () => {
    const problems: string[] = [];
    const prefix = "/pruned";
    for (const s of stages) {
      for (const copy of s.copies.filter((c) => c.from === "prune")) {
        for (const source of copy.sources) {
          if (!source.startsWith(prefix)) problems.push(`line ${copy.line}: ${source} is outside ${prefix}`);
          else if (!existsSync(path.join(pruned, source.slice(prefix.length)))) problems.push(`line ${copy.line}: turbo prune makes no ${source}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // pnpm's patch and workspace settings come along with the pruned lockfile.
    expect(readFileSync(path.join(pruned, "json/pnpm-workspace.yaml"), "utf8")).toMatch(/pmOnFail: ignore/);
    expect(readdirSync(path.join(pruned, "json/patches")).length).toBeGreaterThan(0);
  });

  it("copies from the build stage only sources and build outputs of pruned packages", () => {
    const workdir = strip(stage("build").workdir ?? "");
    const generated = prismaOutputDir().split("/").slice(0, 3).join("/"); // packages/db/generated
    const problems: string[] = [];
    for (const s of stages) {
      for (const copy of s.copies.filter((c) => c.from === "build")) {
        for (const source of copy.sources) {
          if (!source.startsWith(`${workdir}/`)) {
            problems.push(`line ${copy.line}: ${source} is outside the build stage's ${workdir}`);
            continue;
          }
          const rel = strip(source.slice(workdir.length + 1));
          const packageDir = rel.split("/").slice(0, 2).join("/");
          const inPrune = existsSync(path.join(pruned, "full", packageDir, "package.json"));
          const isSource = existsSync(path.join(pruned, "full", rel));
          const isBuildOutput = outDirOf(packageDir) !== null && rel === `${packageDir}/${outDirOf(packageDir)}`;
          const isGenerated = rel === generated;
          if (!inPrune) problems.push(`line ${copy.line}: ${packageDir} is not in the pruned workspace`);
          else if (!isSource && !isBuildOutput && !isGenerated) problems.push(`line ${copy.line}: the build makes no ${rel}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("ships the built output of the app and of every workspace package it runs with", () => {
    const runtime = stages[stages.length - 1]!;
    const copied = new Set(runtime.copies.filter((c) => c.from === "build").flatMap((c) => c.sources.map((src) => strip(src.replace(/^\/repo\//, "")))));
    const missing = runtimeWorkspace(app)
      .map((dir) => `${dir}/${outDirOf(dir) ?? "dist"}`)
      .filter((out) => !copied.has(out));
    expect(missing).toEqual([]);
    expect(copied.has(prismaOutputDir().split("/").slice(0, 3).join("/"))).toBe(true);
    const deps = runtime.copies.find((c) => c.from === "deps");
    expect(deps?.sources.map(strip)).toEqual([strip(stage("deps").workdir ?? "")]);
    const cmd = runtime.instructions.find((i) => i.keyword === "CMD");
    expect(JSON.parse(cmd!.args)).toEqual(["node", ...startScriptFlags(entry.split("/").slice(0, 2).join("/")), entry]);
  });

  it("runs as a non-root user with a HEALTHCHECK on /healthz", () => {
    const runtime = stages[stages.length - 1]!;
    const user = runtime.instructions.filter((i) => i.keyword === "USER").pop();
    expect(user?.args).toBe("node");
    const health = runtime.instructions.find((i) => i.keyword === "HEALTHCHECK");
    expect(health?.args).toMatch(/\/healthz/);
    // The check runs inside the slim image: node only, no curl or wget.
    expect(health?.args).toMatch(/CMD \["node", "-e"/);
  });

  if (app === "@msr-webhooks/api") {
    it("ships the web console's built files where the API serves them from by default", () => {
      const runtime = stages[stages.length - 1]!;
      const consoleCopy = runtime.copies.find((c) => c.sources.some((src) => strip(src).endsWith("apps/web/dist")));
      expect(consoleCopy).toBeDefined();
      const from = stage(consoleCopy!.from!);
      const built = from.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args).join("\n");
      expect(built).toMatch(/turbo run build --filter=@msr-webhooks\/web\b/);
      const workdir = strip(runtime.workdir ?? "");
      const target = path.posix.join(workdir, strip(consoleCopy!.destination));
      // CONSOLE_DIR's default, resolved from the API's entry as the image lays it out.
      const defaultDir = path.posix.resolve(path.posix.join(workdir, "apps/api/dist"), "../../web/dist");
      expect(target).toBe(defaultDir);
    });
  }

  it("has no COPY --from a stage that does not exist", () => {
    const names = new Set(stages.map((s) => s.name));
    const unknown = stages.flatMap((s) => s.copies).filter((c) => c.from !== null && !names.has(c.from));
    expect(unknown).toEqual([]);
  });
});
