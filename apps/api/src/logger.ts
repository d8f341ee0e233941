// winston JSON logger: one line per event, never secrets (callers log ids, not bodies).
import winston from "winston";

export function createLogger(level: string, service: string): winston.Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
}
