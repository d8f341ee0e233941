// Writes the soak's time series under bench/results/soak-<date>/: series.json, series.csv (one row
// per window, one column per series) and one SVG line plot per series, with the run's marks.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TimedSample } from "./soak-bars.js";
import { linePlot, type PlotMark } from "./svg-plot.js";

const UNITS: readonly [RegExp, string][] = [
  [/_ms$/, "ms"],
  [/_us_per_request$/, "µs per request"],
  [/_mb$/, "MB"],
  [/_per_s$/, "per second"],
  [/_s$/, "s"],
];

function unitOf(key: string): string {
  return UNITS.find(([pattern]) => pattern.test(key))?.[1] ?? "count";
}

/** A CSV cell: up to three decimals, empty for a value that could not be read. */
export function csvCell(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "" : String(Math.round(v * 1000) / 1000);
}

export function writeSeries(dir: string, rows: readonly TimedSample[], marks: readonly PlotMark[], meta: unknown): string[] {
  mkdirSync(dir, { recursive: true });
  const keys = Object.keys(rows[0] ?? {}).filter((k) => k !== "t_min");
  const columns = ["t_min", ...keys];
  writeFileSync(path.join(dir, "series.csv"), `${[columns.join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(","))].join("\n")}\n`);
  writeFileSync(path.join(dir, "series.json"), `${JSON.stringify({ meta, marks, rows }, null, 1)}\n`);
  const xs = rows.map((r) => r.t_min);
  const files: string[] = [];
  for (const key of keys) {
    const file = path.join(dir, `${key}.svg`);
    writeFileSync(file, linePlot({ title: key, xLabel: "minutes since the soak started", yLabel: unitOf(key), xs, ys: rows.map((r) => r[key] as number), marks }));
    files.push(file);
  }
  return files;
}
