// The lazily built routers (the queue dashboard, the API explorer): built once, on the first
// request, however many arrive together; a build that fails answers MSR's 500 and is tried again
// by the next request instead of being remembered.
import express, { type Router } from "express";
import request from "supertest";
import winston from "winston";
import { errorHandler } from "../src/http/error-handler.js";
import { lazyRouter } from "../src/http/lazy-router.js";
import { requestId } from "../src/http/request-id.js";

const silent = winston.createLogger({ silent: true });

function appWith(build: () => Promise<Router>): express.Express {
  const app = express();
  app.use(requestId(silent));
  app.use("/lazy", lazyRouter(build));
  app.use(errorHandler);
  return app;
}

function helloRouter(): Router {
  const router = express.Router();
  router.get("/hello", (req, res) => {
    res.json({ baseUrl: req.baseUrl, path: req.path });
  });
  return router;
}

describe("lazyRouter", () => {
  it("builds nothing until the first request, then once for requests that arrive together", async () => {
    let builds = 0;
    const app = appWith(async () => {
      builds += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return helloRouter();
    });
    expect(builds).toBe(0);
    const answers = await Promise.all([1, 2, 3, 4].map(() => request(app).get("/lazy/hello")));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ baseUrl: "/lazy", path: "/hello" });
    }
    await request(app).get("/lazy/hello").expect(200);
    expect(builds).toBe(1);
  });

  it("answers a failed build with MSR's 500 and builds again on the next request", async () => {
    let builds = 0;
    const app = appWith(async () => {
      builds += 1;
      if (builds === 1) throw new Error("module not found");
      return helloRouter();
    });
    const failed = await request(app).get("/lazy/hello");
    expect(failed.status).toBe(500);
    expect((failed.body as { errors: { code: string }[] }).errors[0]?.code).toBe("INTERNAL_ERROR");
    expect(JSON.stringify(failed.body)).not.toContain("module not found");
    await request(app).get("/lazy/hello").expect(200);
    expect(builds).toBe(2);
  });

  it("passes requests its router does not answer on to the next handler", async () => {
    const app = appWith(async () => helloRouter());
    app.use((_req, res) => {
      res.status(404).json({ fellThrough: true });
    });
    const res = await request(app).get("/lazy/other");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ fellThrough: true });
  });
});
