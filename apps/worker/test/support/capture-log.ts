// A winston logger that keeps every line it is given (as the JSON objects winston would print), for
// tests that assert what was logged or that something was not.
import winston from "winston";

export interface CapturedLog {
  log: winston.Logger;
  lines: Record<string, unknown>[];
}

// The Stream transport is a typed, exported base class; its stream is never written to here.
class Keep extends winston.transports.Stream {
  constructor(private readonly lines: Record<string, unknown>[]) {
    super({ stream: process.stdout, level: "silly" });
  }

  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push({ ...info });
    next();
  }
}

export function captureLog(level = "silly"): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const log = winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new Keep(lines)],
  });
  return { log, lines };
}
