// Serves the console (apps/web's build) at `/`: its hashed assets for a year as immutable (a new
// build has new names), index.html never from a cache (it names the current assets), and
// index.html for every other browser path outside the API (the console routes on the client).
// No console build (an API-only image): nothing is served and `/` stays a 404.
import { existsSync } from "node:fs";
import path from "node:path";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { ApiError } from "../errors.js";

const API_PREFIXES = ["/api/", "/enzi/"];

export function consoleAssets(dir: string): Router {
  const router = express.Router();
  const index = path.join(dir, "index.html");
  if (!existsSync(index)) return router;
  router.use(
    "/assets",
    express.static(path.join(dir, "assets"), {
      index: false,
      setHeaders: (res) => res.setHeader("Cache-Control", "public, max-age=31536000, immutable"),
    }),
  );
  router.use("/assets", (req: Request) => {
    throw new ApiError("NOT_FOUND", `no such console file: ${req.originalUrl}`);
  });
  router.use(express.static(dir, { index: false, setHeaders: (res) => res.setHeader("Cache-Control", "no-cache") }));
  router.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || API_PREFIXES.some((p) => req.path.startsWith(p) || `${req.path}/` === p)) {
      next();
      return;
    }
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  return router;
}
