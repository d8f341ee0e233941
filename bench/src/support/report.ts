// Results: printed as markdown tables (pasted into docs/benchmarks.md) and saved as JSON under
// bench/results/ with the machine they were measured on.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describeMachine, loadNow, type MachineInfo } from "./machine.js";

export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function log(message: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)} load ${loadNow()}] ${message}\n`);
}

export function saveResults(name: string, machine: MachineInfo, command: string, results: unknown): string {
  const dir = path.resolve(import.meta.dirname, "../../results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${machine.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ name, machine, command, loadAtEnd: loadNow(), results }, null, 2)}\n`);
  return file;
}

export function printHeader(title: string, machine: MachineInfo, command: string): void {
  process.stdout.write(`\n## ${title}\n\n${describeMachine(machine)}\ncommand: ${command}\n\n`);
}
