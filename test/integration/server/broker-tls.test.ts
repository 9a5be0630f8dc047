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
