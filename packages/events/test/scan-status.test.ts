// Scan status codes as MSR numbers them.
import { SCAN_STATUS_CODES, SCAN_STATUS_NAMES, ScanStatus, isScanStatus } from "../src/scan-status.js";

describe("ScanStatus", () => {
  it("numbers the statuses as MSR does", () => {
    expect([
      ScanStatus.Failed,
      ScanStatus.Unscanned,
      ScanStatus.Scanning,
      ScanStatus.Pending,
      ScanStatus.Scanned,
      ScanStatus.Checking,
      ScanStatus.Completed,
    ]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(SCAN_STATUS_CODES).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("names every code", () => {
    expect(SCAN_STATUS_NAMES).toEqual({
      0: "failed",
      1: "unscanned",
      2: "scanning",
      3: "pending",
      4: "scanned",
      5: "checking",
      6: "completed",
    });
  });

  it("isScanStatus accepts only the seven codes", () => {
    expect(SCAN_STATUS_CODES.every(isScanStatus)).toBe(true);
    for (const x of [-1, 7, 1.5, "6", null]) expect(isScanStatus(x)).toBe(false);
  });
});
