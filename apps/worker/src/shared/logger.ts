// winston JSON logger: one line per event, never secrets or bodies (callers log ids).
import winston from "winston";

export function createLogger(level: string, service: string): winston.Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
