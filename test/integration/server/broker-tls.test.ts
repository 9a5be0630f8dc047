import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../../server/src/server.ts";
import { connectDevice, registerDevice, startTestServer, tempDir } from "./helpers.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A throwaway self-signed certificate for 127.0.0.1, made by openssl for this test alone. */
function selfSigned(): { cert: string; key: string } {
  const tmp = tempDir();
  cleanups.push(() => tmp.remove());
  const [cert, key] = [join(tmp.dir, "cert.pem"), join(tmp.dir, "key.pem")];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
  ], { stdio: "ignore" });
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

describe("the embedded broker over TLS", () => {
  it("accepts a device that trusts the certificate, with the same authentication as plain MQTT", async () => {
    const tls = selfSigned();
    const server: RunningServer = await startTestServer({ mqttTls: { port: 0, ...tls } });
    cleanups.push(() => server.close());
    const { username, password } = await registerDevice(server, "pi-tls");
    const url = `mqtts://127.0.0.1:${server.broker!.tlsPort}`;
    const device = await connectDevice(url, { clientId: "pi-tls", username, password, ca: tls.cert });
    cleanups.push(() => device.endAsync(true));
    expect(device.connected).toBe(true);
    await expect(connectDevice(url, { clientId: "pi-tls", username, password: "wrong", ca: tls.cert })).rejects.toThrow();
  });

  it("refuses a device that does not trust the certificate", async () => {
    const tls = selfSigned();
    const server = await startTestServer({ mqttTls: { port: 0, ...tls } });
    cleanups.push(() => server.close());
    const { username, password } = await registerDevice(server, "pi-tls");
    await expect(connectDevice(`mqtts://127.0.0.1:${server.broker!.tlsPort}`, { clientId: "pi-tls", username, password })).rejects.toThrow(/self.signed|certificate/i);
  });
});

describe("a TLS port that is taken", () => {
  it("fails the start and leaves the plain MQTT port free", async () => {
    const { createServer } = await import("node:net");
    const { startEmbeddedBroker } = await import("../../../server/src/broker/embedded-broker.ts");
    const { createMetrics } = await import("../../../server/src/metrics.ts");
    const { silentLogger } = await import("../../../server/src/logger.ts");
    const { createTopics } = await import("@uplink/shared");
    const listenOn = (port: number) =>
      new Promise<import("node:net").Server>((resolve, reject) => {
        const s = createServer();
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve(s));
      });
    const taken = await listenOn(0);
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const tlsPort = (taken.address() as { port: number }).port;
    const free = await listenOn(0);
    const plainPort = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));

    const auth = { verifyDevice: async () => false, verifyToken: async () => null, verifyServer: async () => false, verifyOperator: async () => null };
    await expect(
      startEmbeddedBroker({
        port: plainPort,
        host: "127.0.0.1",
        tls: { port: tlsPort, ...selfSigned() },
        topics: createTopics(),
        auth: auth as never,
        logger: silentLogger(),
        metrics: createMetrics(),
      }),
    ).rejects.toThrow(/EADDRINUSE/);
    const again = await listenOn(plainPort);
    await new Promise<void>((r) => again.close(() => r()));
  });
});
