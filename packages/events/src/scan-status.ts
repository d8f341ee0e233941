// Security scan status codes carried in `scanSummary.last_scan_status` (API section 3).

export enum ScanStatus {
  Failed = 0,
  Unscanned = 1,
  Scanning = 2,
  Pending = 3,
  /** Layers scanned, vulnerabilities not yet checked. */
  Scanned = 4,
  Checking = 5,
  Completed = 6,
}

export const SCAN_STATUS_NAMES: Readonly<Record<ScanStatus, string>> = {
  [ScanStatus.Failed]: "failed",
  [ScanStatus.Unscanned]: "unscanned",
  [ScanStatus.Scanning]: "scanning",
  [ScanStatus.Pending]: "pending",
  [ScanStatus.Scanned]: "scanned",
  [ScanStatus.Checking]: "checking",
  [ScanStatus.Completed]: "completed",
};

/** Every code, ascending: the `enum` of the JSON Schema. */
export const SCAN_STATUS_CODES: readonly ScanStatus[] = [
  ScanStatus.Failed,
  ScanStatus.Unscanned,
  ScanStatus.Scanning,
  ScanStatus.Pending,
  ScanStatus.Scanned,
  ScanStatus.Checking,
  ScanStatus.Completed,
];

export function isScanStatus(x: unknown): x is ScanStatus {
  return typeof x === "number" && (SCAN_STATUS_CODES as readonly number[]).includes(x);
}
