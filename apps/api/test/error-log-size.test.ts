// An unexpected error is logged as one bounded line: the start of its message and its call frames,
// never the megabytes of (minified library) text a message or stack can carry, nor a stack to the client.
import express from "express";
import request from "supertest";
import winston from "winston";
import { errorHandler, loggableError } from "../src/http/error-handler.js";
import { requestId } from "../src/http/request-id.js";

class Capture extends winston.transports.Stream {
  lines: Record<string, unknown>[] = [];
  constructor() {
    super({ stream: process.stdout });
  }
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(info);
    next();
  }
}

it("logs a 500 with a bounded message and stack, and answers MSR's INTERNAL_ERROR", async () => {
  const capture = new Capture();
  const log = winston.createLogger({ level: "error", transports: [capture] });
  const huge = `boom ${"function(a,b){return a+b};".repeat(4000)}`;
  const app = express();
  app.use(requestId(log));
  app.get("/fail", () => {
    throw new Error(huge);
  });
  app.use(errorHandler);
  const res = await request(app).get("/fail");
  expect(res.status).toBe(500);
  expect(res.body.errors[0].code).toBe("INTERNAL_ERROR");
  expect(res.text).not.toContain("function(a,b)");
  const line = capture.lines.find((l) => l["message"] === "unhandled error");
  expect(line).toBeDefined();
  const text = JSON.stringify(line);
  expect(text.length).toBeLessThan(huge.length / 10);
  expect(line!["error"]).toMatch(/^boom .*\.\.\. \(\d+ chars\)$/s);
  expect(line!["requestId"]).toBe(res.headers["x-request-id"]);
});

it("keeps only call frames, at most 15, from a stack", () => {
  const e = new Error("x");
  e.stack = ["Error: x", "some library source line", ...Array.from({ length: 40 }, (_, i) => `    at f${i} (file.js:1:${i})`)].join("\n");
  const frames = loggableError(e).stack.split("\n");
  expect(frames).toHaveLength(15);
  expect(frames.every((l) => l.startsWith("at f"))).toBe(true);
});
