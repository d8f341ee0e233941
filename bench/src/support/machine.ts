// The machine a result was measured on, printed with every report.
import os from "node:os";

export interface MachineInfo {
  date: string;
  nproc: number;
  cpu: string;
  memoryGb: number;
  node: string;
  /** 1-minute load average when the run started and ended. */
  load: string;
}

export function loadNow(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    load: loadNow(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.date} | ${m.nproc} cores (${m.cpu}) | ${m.memoryGb} GB | node ${m.node} | load at start ${m.load}`;
}
