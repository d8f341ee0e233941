// Debian's Chromium driven by playwright-core (Playwright's own browser download does not work
// offline), an axe-core scan of a page, and screenshots under test-output/ (git-ignored).
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";

const require = createRequire(import.meta.url);
export const OUTPUT_DIR = path.resolve(import.meta.dirname, "../../test-output");

// Without the networking flags Chromium tries to reach outside hosts.
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: FLAGS });
}

/** A page of a fresh context (its own cookies); CSP bypassed (unless `csp`) only so that axe-core can be injected. */
export async function newPage(browser: Browser, { csp = false } = {}): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: !csp, viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** The axe-core violations of serious or critical impact on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Saves test-output/<name>.png of the whole page, or of one part of it. */
export async function screenshot(target: Page | Locator, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  await ("goto" in target ? target.screenshot({ path: file, fullPage: true }) : target.screenshot({ path: file }));
  return file;
}
