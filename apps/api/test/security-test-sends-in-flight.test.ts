// POST /webhooks/test holds a socket (and, with its own tlsCert, a TLS context) per send until the
// endpoint answers or the attempt times out. The per-user rate limit bounds one user; this cap
// (WEBHOOK_TEST_MAX_IN_FLIGHT) bounds all users together on one API process: past it a send is
// refused at once with 503 in MSR's error format, and nothing is sent. Loopback only.
import net from "node:net";
import type { AddressInfo } from "node:net";
import { as, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";

const CAP = 2;

let ctx: TestContext;
let server: net.Server;
let url: string;
const held = new Set<net.Socket>();
let connections = 0;

beforeAll(async () => {
  ctx = await createTestContext({ WEBHOOK_TEST_MAX_IN_FLIGHT: String(CAP), WEBHOOK_TEST_RATE_LIMIT: "100" });
  // Accepts every connection and never answers, until the test lets the sockets go.
  server = net.createServer((socket) => {
    connections += 1;
    held.add(socket);
    socket.once("close", () => held.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ctx.close();
});

const send = (user: UserFixture) => as(ctx, user.name, user.password).post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint: url, skipTLSVerification: true });

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it("refuses a send past the cap with 503 and Retry-After, whoever asks, and takes sends again once one ends", async () => {
  const users = await Promise.all(["bob", "carol", "dave"].map((name) => createUser(ctx, name)));
  const [bob, carol, dave] = users as [UserFixture, UserFixture, UserFixture];
  const pending = [send(bob).then((r) => r), send(carol).then((r) => r)];
  await until(() => connections === CAP, `${CAP} sends held by the endpoint`);

  const refused = await send(dave);
  expect(refused.status).toBe(503);
  expect(refused.body).toEqual({
    errors: [{ code: "SERVICE_UNAVAILABLE", message: expect.stringContaining("in flight"), detail: { retryAfterSeconds: 1 } }],
  });
  expect(refused.headers["retry-after"]).toBe("1");
  // Refused before anything left: the endpoint saw no third connection.
  expect(connections).toBe(CAP);

  // The endpoint hangs up: both held sends end (reported, 200), and the next send goes out.
  for (const socket of held) socket.destroy();
  const answers = await Promise.all(pending);
  expect(answers.map((a) => a.status)).toEqual([200, 200]);
  const next = send(dave).then((r) => r);
  await until(() => connections === CAP + 1, "the next send to reach the endpoint");
  for (const socket of held) socket.destroy();
  expect((await next).status).toBe(200);
});
