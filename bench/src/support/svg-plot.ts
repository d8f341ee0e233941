// A line plot as a standalone SVG file: one series over time, axes with a few round ticks, and
// vertical marks for moments worth seeing (an endpoint back up, retention in effect). Written here
// rather than pulled in: a chart package would bring a DOM or a canvas for 80 lines of text.

export interface PlotMark {
  x: number;
  label: string;
}

export interface PlotInput {
  title: string;
  xLabel: string;
  yLabel: string;
  xs: readonly number[];
  ys: readonly number[];
  marks?: readonly PlotMark[];
}

const W = 720;
const H = 320;
const PAD = { left: 70, right: 20, top: 36, bottom: 44 };

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering lo..hi. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

export function linePlot(input: PlotInput): string {
  const [x0, x1raw] = extent(input.xs);
  const x1 = x1raw > x0 ? x1raw : x0 + 1;
  const [ylo, yhi] = extent(input.ys);
  // From zero, so drift reads as a share of the level; a little headroom above the highest point.
  const y0 = Math.min(0, ylo);
  const y1 = yhi > y0 ? yhi * 1.1 : y0 + 1;
  const px = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(input.title)}</text>`,
  ];
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of ticks(x0, x1, 8)) {
    parts.push(`<text x="${px(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="black"/>`,
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(input.xLabel)}</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${escapeXml(input.yLabel)}</text>`,
  );
  for (const mark of input.marks ?? []) {
    if (mark.x < x0 || mark.x > x1) continue;
    parts.push(`<line x1="${px(mark.x)}" x2="${px(mark.x)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#d08000" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${px(mark.x) + 3}" y="${PAD.top + 10}" fill="#d08000">${escapeXml(mark.label)}</text>`);
  }
  // Gaps (NaN: nothing measured in that window) break the line rather than bridging it.
  const segments: string[][] = [[]];
  for (let i = 0; i < input.xs.length; i += 1) {
    const x = input.xs[i] as number;
    const y = input.ys[i] as number;
    if (!Number.isFinite(y)) segments.push([]);
    else (segments[segments.length - 1] as string[]).push(`${px(x).toFixed(1)},${py(y).toFixed(1)}`);
  }
  for (const points of segments) {
    if (points.length === 1) parts.push(`<circle cx="${(points[0] as string).split(",")[0]}" cy="${(points[0] as string).split(",")[1]}" r="2.5" fill="#1f5fbf"/>`);
    if (points.length > 1) parts.push(`<polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" points="${points.join(" ")}"/>`);
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
