// The start of a benchmark's report: this machine, the command that reproduces the run, and the
// header that prints both under the benchmark's title.
import { machineInfo, type MachineInfo } from "./machine.js";
import { printHeader } from "./report.js";

export interface RunHeader {
  machine: MachineInfo;
  command: string;
}

/** Reads the machine and prints the header; `command` defaults to `pnpm --filter @msr-webhooks/bench <name> <this run's arguments>`. */
export function startReport(name: string, title: string, command = `pnpm --filter @msr-webhooks/bench ${name} ${process.argv.slice(2).join(" ")}`.trim()): RunHeader {
  const machine = machineInfo();
  printHeader(title, machine, command);
  return { machine, command };
}
