// Screenshots of the dashboard for docs/screenshots/: the fleet view and a device view, at desktop
// (1280x800) and phone (390x844) width. Starts the real uplink-server on free ports with the demo
// fleet (real MQTT clients replaying captured snapshots), gives it some history, and shoots.
//   npx tsx scripts/screenshots.ts [outDir]
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { launchChromium, startUplinkServer } from "../test/helpers/browser.ts";
import { startDemoFleet } from "../test/helpers/demo-fleet.ts";

const outDir = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "docs", "screenshots"));
const DEVICE = "pi-depot-02";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const server = await startUplinkServer();
  const fleet = await startDemoFleet(server.mqttUrl, (id) => server.addDevice(id), { heartbeatMs: 500, stepMs: 400 });
  const browser = await launchChromium();
  try {
    const api = (path: string, body?: unknown) =>
      fetch(`${server.httpUrl}/api/v1${path}`, {
        method: body ? "POST" : "GET",
        headers: { authorization: `Bearer ${server.token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }).then((r) => r.json());

    // Some history: a failover and back on the device shown, a command with output, a device gone.
    const shown = fleet.get(DEVICE)!;
    await sleep(4000);
    await shown.become("wifi-gone", "wlan0 lost its association");
    await sleep(4000);
    await shown.become("no-packet-session", "wlan0 associated again");
    await api(`/devices/${DEVICE}/commands`, { name: "diagnose", args: {} });
    await fleet.get("pi-pump-05")!.stop();
    await sleep(8000);

    for (const [label, viewport] of [
      ["desktop", { width: 1280, height: 800 }],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.on("pageerror", (e) => console.error(`page error (${label}): ${e.message}`));
      await page.goto(server.httpUrl);
      await page.screenshot({ path: join(outDir, `sign-in-${label}.png`) });
      await page.getByLabel("Operator token").fill(server.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator("table.devices").waitFor();
      await sleep(500);
      await page.screenshot({ path: join(outDir, `fleet-${label}.png`), fullPage: true });

      await page.locator(`a[href="#/devices/${DEVICE}"]`).click();
      await page.locator(".plot > svg").waitFor();
      await sleep(500);
      // A device in trouble (the failing layer's evidence is open, its fix one click away)...
      await page.screenshot({ path: join(outDir, `device-${label}.png`), fullPage: true });
      // ...and the same after the fix ran, with its lifecycle.
      await page.locator('[data-link="wwan0"] .rung[data-layer="session"] button[data-fix]').click();
      await page.locator('.lifecycle[data-state="succeeded"]').waitFor({ timeout: 20_000 });
      await sleep(800);
      await page.screenshot({ path: join(outDir, `device-fixed-${label}.png`), fullPage: true });
      await context.close();
      // Put the device back in trouble for the next width.
      await shown.become("no-packet-session", "the session dropped again");
      await sleep(1000);
    }
    console.log(`screenshots in ${outDir}`);
  } finally {
    await browser.close();
    for (const d of fleet.values()) await d.stop().catch(() => {});
    await server.stop();
  }
}

await main();
