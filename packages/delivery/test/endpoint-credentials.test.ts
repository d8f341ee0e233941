// Endpoints with user:password@ (how Jenkins is usually reached): the delivery client sends them as
// HTTP Basic, as Go's net/http does for MSR (percent-decoded), never in the request line, never
// twice, and scrubs the password from what it reports; the address policy judges the real host.
import type { LookupFunction } from "node:net";
import type { Receiver } from "@msr-webhooks/testing/receiver";
import { createAddressPolicy } from "../src/address-policy.js";
import { percentDecode, redactEndpoint, splitCredentials } from "../src/endpoint-credentials.js";
import { buildRequest } from "../src/request.js";
import { tracked } from "./support/tracked.js";

const UA = "msr-webhooks-test/0.0.0";
const body = JSON.stringify({ type: "TAG_PUSH", createdAt: "2015-01-02T15:04:05Z", contents: {} });
const request = () => buildRequest({ deliveryId: "msg_1", body, secrets: ["whsec_" + Buffer.alloc(24, 7).toString("base64")], userAgent: UA });
const basic = (userPass: string | Buffer) => `Basic ${Buffer.from(userPass).toString("base64")}`;

const { receiver, client } = tracked(UA);

function withCredentials(r: Receiver, userinfo: string, path = "/jenkins/dockerhub-webhook/notify"): string {
  return `http://${userinfo}@127.0.0.1:${r.port}${path}`;
}

describe("credentials in the endpoint URL", () => {
  it("are sent as one Authorization: Basic header, and the request line carries no userinfo", async () => {
    const r = await receiver();
    const result = await client().send({ url: withCredentials(r, "jenkins:11a3e229084349bc25d97e29393ced1d") }, request());
    expect(result.ok).toBe(true);
    const [got] = await r.waitFor(1);
    expect(got!.headers.authorization).toBe(basic("jenkins:11a3e229084349bc25d97e29393ced1d"));
    expect(got!.path).toBe("/jenkins/dockerhub-webhook/notify");
    expect(got!.headers.host).toBe(`127.0.0.1:${r.port}`);
    // Signed and labelled as any delivery.
    expect(got!.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(got!.body).toBe(body);
  });

  it.each([
    ["a percent-encoded @ and : in the password", "jenkins:p%40ss%3Aword", "jenkins:p@ss:word"],
    ["a user name only (Go sends an empty password)", "apitoken", "apitoken:"],
    ["an encoded space and non-ASCII text", "j%20k:gr%C3%BC%C3%9F", "j k:grüß"],
  ])("are percent-decoded as Go's url.Parse does: %s", async (_what, userinfo, expected) => {
    const r = await receiver();
    await client().send({ url: withCredentials(r, userinfo) }, request());
    const [got] = await r.waitFor(1);
    expect(got!.headers.authorization).toBe(basic(expected));
  });

  it("decode an escape to its byte, even one that is not UTF-8 (Go's strings are bytes)", async () => {
    const r = await receiver();
    await client().send({ url: withCredentials(r, "u:%FF%00x") }, request());
    const [got] = await r.waitFor(1);
    expect(got!.headers.authorization).toBe(basic(Buffer.from([0x75, 0x3a, 0xff, 0x00, 0x78])));
  });

  it("cannot smuggle a header: CR LF in the userinfo only ever ends up inside the base64", async () => {
    const r = await receiver();
    await client().send({ url: withCredentials(r, "u%0D%0AX-Injected%3A%201:pw") }, request());
    const [got] = await r.waitFor(1);
    expect(got!.headers["x-injected"]).toBeUndefined();
    expect(got!.headers.authorization).toBe(basic("u\r\nX-Injected: 1:pw"));
  });

  it("replace an Authorization header slipped into the request instead of doubling it", async () => {
    const r = await receiver();
    const req = request();
    req.headers["authorization"] = "Bearer attacker";
    req.headers["AUTHORIZATION"] = "Basic YXR0YWNrZXI6eA==";
    await client().send({ url: withCredentials(r, "jenkins:apitoken") }, req);
    const [got] = await r.waitFor(1);
    expect(got!.headers.authorization).toBe(basic("jenkins:apitoken"));
    const rawAuth = Object.keys(got!.headers).filter((h) => h.toLowerCase() === "authorization");
    expect(rawAuth).toEqual(["authorization"]);
  });

  it("are scrubbed from what is recorded, even when the receiver echoes them back", async () => {
    const secret = "s3cr3t-api-token";
    const r = await receiver({
      handler: (req) => ({
        status: 302,
        headers: { location: `http://jenkins:${secret}@elsewhere.test/login`, "content-type": "text/plain" },
        body: `you sent ${req.headers.authorization ?? ""} for jenkins:${secret}`,
      }),
    });
    const result = await client().send({ url: withCredentials(r, `jenkins:${secret}`) }, request());
    expect(result.errorKind).toBe("redirect");
    const recorded = JSON.stringify(result);
    expect(recorded).not.toContain(secret);
    expect(recorded).not.toContain(Buffer.from(`jenkins:${secret}`).toString("base64"));
    expect(result.responseBody).toBe("you sent Basic *** for jenkins:***");
  });

  it("do not let the policy judge the userinfo: http://public-looking@127.0.0.1 is loopback, refused", async () => {
    const r = await receiver();
    const url = `http://8.8.8.8:443@127.0.0.1:${r.port}/hook`;
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const result = await client({ addressPolicy: createAddressPolicy() }).send({ url }, request());
    expect(result.errorKind).toBe("blocked");
    expect(r.requests).toHaveLength(0);
  });

  it("do not let the policy judge the userinfo: http://127.0.0.1@name goes to the name's address", async () => {
    const r = await receiver();
    const looked: string[] = [];
    // The name resolves to loopback (as an attacker's DNS might): refused, whatever the userinfo says.
    const lookup = ((hostname: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
      looked.push(hostname);
      if (options.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
      else cb(null, "127.0.0.1", 4);
    }) as LookupFunction;
    const url = `http://127.0.0.1@evil.test:${r.port}/hook`;
    const refused = await client({ addressPolicy: createAddressPolicy(), lookup }).send({ url }, request());
    expect(looked).toEqual(["evil.test"]);
    expect(refused.errorKind).toBe("blocked");
    const allowed = await client({ addressPolicy: createAddressPolicy({ allow: ["127.0.0.0/8"] }), lookup }).send({ url }, request());
    expect(allowed.ok).toBe(true);
    const [got] = await r.waitFor(1);
    expect(got!.headers.host).toBe(`evil.test:${r.port}`);
    expect(got!.headers.authorization).toBe(basic("127.0.0.1:"));
  });

  it("with a malformed escape are an invalid URL, reported without the password", async () => {
    const result = await client().send({ url: "http://jenkins:p%zzword-secret@127.0.0.1:9/hook" }, request());
    expect(result.errorKind).toBe("invalid_url");
    expect(result.errorMessage).not.toContain("word-secret");
  });

  it("send nothing extra when the endpoint has none", async () => {
    const r = await receiver();
    await client().send({ url: `${r.url}/hook` }, request());
    const [got] = await r.waitFor(1);
    expect(got!.headers.authorization).toBeUndefined();
  });
});

describe("splitCredentials, redactEndpoint", () => {
  it("give the URL without userinfo and the password as ***", () => {
    const split = splitCredentials(new URL("https://jenkins:apitoken@ci.example.com/hook?x=1"));
    expect(split.url.href).toBe("https://ci.example.com/hook?x=1");
    expect(split.authorization).toBe(basic("jenkins:apitoken"));
    expect(redactEndpoint("https://jenkins:apitoken@ci.example.com/hook")).toBe("https://jenkins:***@ci.example.com/hook");
    expect(redactEndpoint("https://ci.example.com/hook")).toBe("https://ci.example.com/hook");
    expect(redactEndpoint("ht tp://jenkins:apitoken@ci/x")).toBe("ht tp://***@ci/x");
  });

  it("decodes escapes to bytes and refuses a % without two hex digits", () => {
    expect(percentDecode("a%41%e2%82%acb")).toEqual(Buffer.from("aA€b"));
    expect(() => percentDecode("100%")).toThrow(/percent-encode/);
    expect(() => percentDecode("%g0")).toThrow(/percent-encode/);
  });
});
