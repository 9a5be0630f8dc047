import { describe, expect, it } from "vitest";
import { BOUNDS, commandRequestSchema, commandResponseSchema, decodePayload, eventSchema, healthSchema, heartbeatSchema, statusSchema } from "@uplink/shared";

const envelope = { v: 1, deviceId: "pi-1", bootId: "3f1c2a9e-boot", seq: 2, ts: "2026-11-25T03:00:00.000Z" };
const response = { ...envelope, requestId: "6f1c1f8e-3a43-4f0e-9a53-0a3c5b1d2e7f", name: "diagnose", state: "progress" };
const layer = { layer: 1, name: "hardware", state: "ok", summary: "modem present", evidence: [{ kind: "lsusb", fact: "a SIMCom modem" }] };
const health = {
  ...envelope,
  links: { wwan0: { role: "cellular", firstFailingLayer: null, reachable: true, layers: [layer] } },
  host: { firstFailingLayer: null, layers: [] },
  selection: { active: "wwan0", preferred: "wwan0", onFallback: false, reason: "only link" },
};
const heartbeat = { ...envelope, uptimeS: 5, activeLink: "wlan0", links: { wlan0: { up: true } }, outbox: { depth: 0, dropped: 0 } };

const decode = (schema: Parameters<typeof decodePayload>[0], msg: unknown) => decodePayload(schema, JSON.stringify(msg));
// Short names, so that 29,000 of them fit in one payload, as in the reported attack.
const linkNames = (n: number) => Array.from({ length: n }, (_, i) => i.toString(36));

describe("the wire schemas' bounds", () => {
  it("refuses an agent.started with 29,000 links, and takes one with as many as a device may have", () => {
    const started = { ...envelope, type: "agent.started", agentVersion: "0.1.0" };
    expect(decode(eventSchema, { ...started, links: linkNames(29_000) })).toMatchObject({ ok: false, reason: "schema", message: expect.stringMatching(/^links:/) });
    expect(decode(eventSchema, { ...started, links: linkNames(BOUNDS.links) })).toMatchObject({ ok: true });
  });

  it("refuses more links than a device has, in a heartbeat and in a layer report", () => {
    const links = Object.fromEntries(linkNames(BOUNDS.links + 1).map((l) => [l, { up: true }]));
    expect(decode(heartbeatSchema, { ...heartbeat, links })).toMatchObject({ ok: false, reason: "schema" });
    const reports = Object.fromEntries(linkNames(BOUNDS.links + 1).map((l) => [l, health.links.wwan0]));
    expect(decode(healthSchema, { ...health, links: reports })).toMatchObject({ ok: false, reason: "schema" });
  });

  it("refuses a layer with more evidence or a link with more layers than the bounds", () => {
    const evidence = Array.from({ length: BOUNDS.evidence + 1 }, () => layer.evidence[0]);
    expect(decode(healthSchema, { ...health, links: { wwan0: { ...health.links.wwan0, layers: [{ ...layer, evidence }] } } }).ok).toBe(false);
    const layers = Array.from({ length: BOUNDS.layers + 1 }, () => layer);
    expect(decode(healthSchema, { ...health, links: { wwan0: { ...health.links.wwan0, layers } } }).ok).toBe(false);
  });

  it("refuses strings longer than their kind: names, sentences, output", () => {
    expect(decode(statusSchema, { ...envelope, state: "online", agentVersion: "v".repeat(BOUNDS.name + 1) }).ok).toBe(false);
    expect(decode(commandResponseSchema, { ...response, step: "s".repeat(BOUNDS.text + 1) }).ok).toBe(false);
    expect(decode(commandResponseSchema, { ...response, step: "s".repeat(BOUNDS.text) }).ok).toBe(true);
    expect(decode(commandResponseSchema, { ...response, output: "o".repeat(BOUNDS.output + 1) }).ok).toBe(false);
    expect(decode(commandResponseSchema, { ...response, output: "o".repeat(BOUNDS.output) }).ok).toBe(true);
  });

  it("refuses a result or args with more entries than the bound", () => {
    const many = Object.fromEntries(Array.from({ length: BOUNDS.entries + 1 }, (_, i) => [`k${i}`, i]));
    expect(decode(commandResponseSchema, { ...response, result: many })).toMatchObject({ ok: false, message: expect.stringContaining(`at most ${BOUNDS.entries} entries`) });
    const req = { v: 1, id: response.requestId, name: "ping", args: many, issuedAt: envelope.ts, expiresAt: envelope.ts, issuedBy: "op" };
    expect(commandRequestSchema.safeParse(req).success).toBe(false);
  });

  it("takes a fix's args as the catalog's are made, and refuses bulk in them", () => {
    const withFix = (args: unknown) => ({ ...health, links: { wwan0: { ...health.links.wwan0, layers: [{ ...layer, state: "failing", cause: "no-lease", fix: { name: "dns.repair", args } }] } } });
    expect(decode(healthSchema, withFix({ iface: "wwan0", metric: 10, nameservers: ["1.1.1.1", "9.9.9.9"] })).ok).toBe(true);
    expect(decode(healthSchema, withFix({ iface: "w".repeat(BOUNDS.fixArgString + 1) })).ok).toBe(false);
    expect(decode(healthSchema, withFix({ nested: { deeper: 1 } })).ok).toBe(false);
    expect(decode(healthSchema, withFix({ list: Array.from({ length: BOUNDS.fixArgs + 1 }, () => "x") })).ok).toBe(false);
  });

  it("refuses numbers that are not finite (1e999 parses to Infinity)", () => {
    const text = JSON.stringify({ ...heartbeat, uptimeS: 1 }).replace('"uptimeS":1', '"uptimeS":1e999');
    expect(JSON.parse(text).uptimeS).toBe(Infinity);
    expect(decodePayload(heartbeatSchema, text)).toMatchObject({ ok: false, reason: "schema", message: expect.stringMatching(/^uptimeS:/) });
  });

  it("writes the bounds into the JSON Schemas for other clients", async () => {
    const { z } = await import("zod");
    const json = JSON.stringify(z.toJSONSchema(eventSchema, { io: "input" }));
    expect(json).toContain(`"maxItems":${BOUNDS.links}`);
    expect(JSON.stringify(z.toJSONSchema(commandResponseSchema, { io: "input" }))).toContain(`"maxProperties":${BOUNDS.entries}`);
  });
});
