import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { launchChromium, startUplinkServer, type RunningUplinkServer } from "../helpers/browser.ts";
import { DEMO_FLEET, startDemoFleet } from "../helpers/demo-fleet.ts";
import type { SimDevice } from "../helpers/sim-device.ts";

/** With UPLINK_SCREENSHOTS_DIR set (docs/screenshots), the new views' tests save what they saw there. */
const SHOTS = process.env.UPLINK_SCREENSHOTS_DIR ? resolve(process.env.UPLINK_SCREENSHOTS_DIR) : null;
async function shoot(target: Page | Locator, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  // Let the last frame's render land.
  await new Promise((r) => setTimeout(r, 400));
  const path = join(SHOTS, `${name}.png`);
  if ("goto" in target) return void (await target.screenshot({ path, fullPage: true }));
  // A live view re-renders on every heartbeat: shoot its place on the page, not the element.
  for (let attempt = 0; ; attempt++) {
    const clip = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
    });
    // Measured just as a render replaced it: measure the new one.
    if (clip.width > 0 && clip.height > 0) return void (await target.page().screenshot({ path, fullPage: true, clip }));
    if (attempt > 20) throw new Error(`${name}: nothing to shoot`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The dashboard in Debian's headless Chromium against the real uplink-server process, with
 * devices that speak the wire contract over real MQTT and report the agent's own diagnosis of
 * real captured snapshots.
 */
describe("the dashboard", () => {
  let server: RunningUplinkServer;
  let fleet: Map<string, SimDevice>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // Alert rules short enough to fire within a test: offline and on fallback for 2 s.
    server = await startUplinkServer({ args: ["--alert-offline-after-s", "2", "--alert-fallback-after-s", "2"] });
    fleet = await startDemoFleet(server.mqttUrl, (id) => server.addDevice(id), { heartbeatMs: 1000, stepMs: 200 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    for (const d of fleet?.values() ?? []) await d.stop().catch(() => {});
    await server?.stop();
  });

  async function openPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // A Content-Security-Policy violation or a failed module load shows up as a console error.
    page.on("console", (m) => {
      if (m.type() === "error" && !/401|Unauthorized/.test(m.text())) errors.push(m.text());
    });
    (page as Page & { errors: string[] }).errors = errors;
    return page;
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(server.httpUrl);
    await page.getByLabel("Operator token").fill(server.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("table.devices").waitFor();
    // Set once: if the page ever reloads, this marker is gone.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  }

  const apiGet = async (path: string) => {
    const res = await fetch(`${server.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${server.token}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json();
  };
  const row = (page: Page, id: string) => page.locator(`tr[data-device="${id}"]`);
  const stillSamePage = (page: Page) => page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);

  it("shows nothing but the sign-in form without a token, and refuses a wrong one", async () => {
    const page = await openPage();
    await page.goto(server.httpUrl);
    await expect(page.getByLabel("Operator token").isVisible()).resolves.toBe(true);
    expect(await page.locator("table.devices").count()).toBe(0);
    await page.getByLabel("Operator token").fill("upl_000000000000_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token was not accepted.").waitFor();
    expect(await page.locator("table.devices").count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem("uplink.token"))).toBeNull();
  });

  it("lists every device with its state, active link, signal and a seven-cell layer strip per link", async () => {
    const page = await openPage();
    await signIn(page);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 15_000 }).toBe(DEMO_FLEET.length);

    // pi-depot-02 replays a modem whose packet data session is down: wwan0's root cause is layer 2.
    const depot = row(page, "pi-depot-02");
    await expect.poll(() => depot.locator('.strip[data-link="wwan0"]').getAttribute("data-root")).toBe("session");
    expect(await depot.locator('.strip[data-link="wwan0"] .cell').count()).toBe(7);
    expect(await depot.locator('.strip[data-link="wlan0"]').getAttribute("data-root")).toBe("none");
    expect(await depot.locator("[data-state]").first().getAttribute("data-state")).toBe("online");
    expect(await depot.locator(".dbm").textContent()).toMatch(/^-\d+(\.\d)? dBm$/);

    // pi-field-03 lost its Wi-Fi: traffic is on the 4G fallback.
    const field = row(page, "pi-field-03");
    expect(await field.locator("[data-active-link]").getAttribute("data-active-link")).toBe("wwan0");
    expect(await field.locator("[data-fallback]").count()).toBe(1);

    // The counts at the top add up to the fleet.
    expect(await page.locator('[data-count="online"] .n').textContent()).toBe(String(DEMO_FLEET.length));
    expect(Number(await page.locator('[data-layer-count="session"] .n').textContent())).toBeGreaterThanOrEqual(3);
  });

  it("filters by failing layer and by state", async () => {
    const page = await openPage();
    await signIn(page);
    await page.getByLabel("Failing layer", { exact: true }).selectOption("dns");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    expect(await page.locator("tbody tr").getAttribute("data-device")).toBe("pi-kiosk-04");
    await page.getByLabel("Failing layer", { exact: true }).selectOption("all");
    await page.getByLabel("State", { exact: true }).selectOption("fallback");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    expect(await page.locator("tbody tr").getAttribute("data-device")).toBe("pi-field-03");
  });

  it("shows a device failing over to 4G without a reload", async () => {
    const page = await openPage();
    await signIn(page);
    const barn = row(page, "pi-barn-01");
    expect(await barn.locator("[data-active-link]").getAttribute("data-active-link")).toBe("wlan0");

    await fleet.get("pi-barn-01")!.become("wifi-gone", "wlan0 lost its association");

    await expect.poll(() => barn.locator("[data-active-link]").getAttribute("data-active-link"), { timeout: 15_000 }).toBe("wwan0");
    await expect.poll(() => barn.locator("[data-fallback]").count()).toBe(1);
    expect(await barn.locator('.strip[data-link="wlan0"]').getAttribute("data-root")).toBe("session");
    expect(await stillSamePage(page)).toBe(true);
  });

  it("shows a device going offline without a reload", async () => {
    const page = await openPage();
    await signIn(page);
    const pump = row(page, "pi-pump-05");
    expect(await pump.getAttribute("data-online")).toBe("true");

    await fleet.get("pi-pump-05")!.stop();

    await expect.poll(() => pump.getAttribute("data-online"), { timeout: 15_000 }).toBe("false");
    expect(await pump.locator(".badge.offline").textContent()).toBe("offline");
    expect(await page.locator('[data-count="offline"] .n').textContent()).toBe("1");
    expect(await stillSamePage(page)).toBe(true);
  });

  it("runs a layer's suggested fix from the device view and shows its lifecycle to success", async () => {
    const page = await openPage();
    await signIn(page);
    // By keyboard: the device link is focusable and Enter opens the device view.
    await page.locator('a[href="#/devices/pi-depot-02"]').focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "pi-depot-02" }).waitFor();

    const session = page.locator('[data-link="wwan0"] .rung[data-layer="session"]');
    expect(await session.getAttribute("data-state")).toBe("failing");
    const fix = session.locator('button[data-fix="qmi.restart"]');
    await fix.click();

    const lifecycle = session.locator(".lifecycle");
    await expect.poll(() => lifecycle.getAttribute("data-state"), { timeout: 20_000 }).toBe("succeeded");
    const steps = await lifecycle.locator(".step-state").allTextContents();
    expect(steps[0]).toBe("pending");
    expect(steps).toContain("accepted");
    expect(steps.at(-1)).toBe("succeeded");

    // The device answered with its new health: the session layer is ok now, and the command is in the history.
    await expect.poll(() => session.getAttribute("data-state"), { timeout: 10_000 }).toBe("ok");
    await expect.poll(() => page.locator('.command-list .command[data-state="succeeded"]').count()).toBeGreaterThanOrEqual(1);
    expect(fleet.get("pi-depot-02")!.commands.map((c) => c.name)).toContain("qmi.restart");
    expect(await stillSamePage(page)).toBe(true);
  });

  it("fits a phone screen: one card per device, no sideways scrolling, every control labelled", async () => {
    const page = await openPage({ width: 390, height: 844 });
    await signIn(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.locator("thead").isVisible()).toBe(false);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, button")]
        .filter((el) => !(el as HTMLElement).hidden)
        .filter((el) => {
          const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute("aria-label") || el.textContent?.trim();
          return !labelled;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);

    await page.locator('a[href="#/devices/pi-kiosk-04"]').click();
    await page.getByRole("heading", { name: "Signal history" }).waitFor();
    await page.locator(".plot > svg").waitFor();
    const deviceOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(deviceOverflow).toBeLessThanOrEqual(0);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  });

  it("counts the devices that need attention, shows the fleet's availability over 24 h, and lists firing alerts live", async () => {
    // By now pi-pump-05 is offline (its outage in the history) and pi-field-03 has been on 4G for long.
    const page = await openPage();
    await signIn(page);
    const pumpAlert = page.locator('.alert[data-rule="device.offline"][data-device="pi-pump-05"]');
    await pumpAlert.waitFor({ timeout: 15_000 });
    await page.locator('.alert[data-rule="link.fallback"][data-device="pi-field-03"]').waitFor({ timeout: 15_000 });
    expect(await pumpAlert.locator("a").getAttribute("href")).toBe("#/devices/pi-pump-05");
    await page.locator('[data-count="availability"] [data-outages]').waitFor({ timeout: 15_000 });
    await shoot(page, "fleet-attention-desktop");
    expect(await pumpAlert.locator(".alert-since time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    const firing = (await apiGet("/alerts?state=firing")).items as Array<{ deviceId: string }>;
    expect(Number(await page.locator("[data-alert-count]").textContent())).toBe(firing.length);

    // Needs attention: offline, a failing layer, or a firing alert; the tile (by keyboard) filters to exactly those.
    const needing = async () => {
      const firingIds = new Set(((await apiGet("/alerts?state=firing")).items as Array<{ deviceId: string }>).map((a) => a.deviceId));
      const body = await apiGet("/devices?limit=1000");
      const devices = (Array.isArray(body) ? body : (body.items ?? body.devices)) as Array<{ deviceId: string; online: boolean; rootCause?: Record<string, string | null> }>;
      return devices
        .filter((d) => !d.online || Object.values(d.rootCause ?? {}).some(Boolean) || firingIds.has(d.deviceId))
        .map((d) => d.deviceId)
        .sort();
    };
    await expect.poll(async () => Number(await page.locator('[data-count="attention"] .n').textContent())).toBe((await needing()).length);
    const attention = Number(await page.locator('[data-count="attention"] .n').textContent());
    await page.locator('[data-count="attention"]').focus();
    await page.keyboard.press("Enter");
    expect(await page.getByLabel("State", { exact: true }).inputValue()).toBe("attention");
    const shownIds = async () => (await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-device")))).sort();
    await expect.poll(shownIds).toEqual(await needing());
    expect(await shownIds()).toContain("pi-pump-05");

    // Availability over 24 h is the server's figure (a device offline: not 100 %), floored to 0.1 %.
    const history = await apiGet("/history?window=24h");
    const shown = await page.locator('[data-count="availability"] .n').textContent();
    expect(shown).toMatch(/^\d{1,3}\.\d %$/);
    expect(Math.abs(parseFloat(shown!) - history.availability.ratio * 100)).toBeLessThan(1);
    expect(parseFloat(shown!)).toBeLessThan(100);

    // Live: a device that goes away now shows up in the alerts and the count without a reload.
    // pi-depot-02 was fixed above: all its layers ok, it needs no attention until it goes away now.
    expect(await shownIds()).not.toContain("pi-depot-02");
    await fleet.get("pi-depot-02")!.stop();
    await page.locator('.alert[data-rule="device.offline"][data-device="pi-depot-02"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('[data-count="attention"] .n').textContent()).toBe(String(attention + 1));
    await expect.poll(shownIds).toContain("pi-depot-02");
    expect(await stillSamePage(page)).toBe(true);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  });

  it("shows a device's connectivity over 24 h and 7 d: a strip of Wi-Fi, 4G and offline, its outages, the data used per link", async () => {
    const page = await openPage();
    await signIn(page);
    // pi-barn-01 lost its Wi-Fi above and has been on 4G since: two stretches, counters on both links.
    await page.goto(`${server.httpUrl}/#/devices/pi-barn-01`);
    const conn = page.locator('.connectivity[data-window="24h"][data-loaded="true"]');
    await conn.waitFor({ timeout: 15_000 });
    expect(await conn.locator('rect[data-state="wlan0"]').first().getAttribute("class")).toBe("k-wifi");
    expect(await conn.locator('rect[data-state="wwan0"]').first().getAttribute("class")).toBe("k-cellular");
    const label = await conn.locator("svg.conn-strip").getAttribute("aria-label");
    expect(label).toMatch(/^Last 24 h \(since first seen\): /);
    expect(label).toContain("Wi-Fi (wlan0)");
    expect(label).toContain("4G (wwan0)");
    // Known for a minute of the 24 h: the strip runs from its first sighting to now, end to end.
    const rects = await conn.locator("svg.conn-strip rect").evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute("x")), Number(r.getAttribute("width"))]));
    expect(rects[0]![0]).toBeCloseTo(0, 0);
    const [lastX, lastWidth] = rects.at(-1)!;
    expect(lastX! + lastWidth!).toBeCloseTo(1000, 0);
    expect(await conn.locator(".strip-axis span").first().textContent()).toMatch(/^first seen /);
    expect(await conn.locator('[data-link-time="wwan0"]').textContent()).toMatch(/^4G \(wwan0\): \d+ (s|min)/);
    expect(await conn.locator(".outages").count()).toBe(0);
    expect(await conn.getByText("No outage in the last 24 h.").count()).toBe(1);
    // Data used: what the heartbeats' counters say, the active link (4G now, Wi-Fi before) most.
    await expect.poll(async () => Number(await conn.locator('.data-used tr[data-link="wwan0"]').getAttribute("data-bytes")), { timeout: 10_000 }).toBeGreaterThan(0);
    const api = await apiGet("/devices/pi-barn-01/history?window=24h");
    expect(Number(await conn.locator('.data-used tr[data-link="wlan0"]').getAttribute("data-bytes"))).toBeLessThanOrEqual(api.dataBytes.wlan0.rxBytes + api.dataBytes.wlan0.txBytes);
    expect(await conn.locator('.data-used tr[data-link="wwan0"] td').first().textContent()).toMatch(/^\d+(\.\d+)? (B|kB|MB)$/);

    // pi-pump-05 went offline above: an outage still open, with its cause, and the strip ends offline.
    await page.goto(`${server.httpUrl}/#/devices/pi-pump-05`);
    await page.getByRole("heading", { name: "pi-pump-05" }).waitFor();
    await conn.waitFor({ timeout: 15_000 });
    const pump = await apiGet("/devices/pi-pump-05/history?window=24h");
    const open = conn.locator('tr.outage[data-open="true"]');
    expect(await open.count()).toBe(1);
    expect(await open.locator("td").nth(1).textContent()).toBe("still offline");
    expect(await open.locator("td").nth(3).textContent()).toBe(pump.outages.at(-1).rootCause ?? "unknown");
    expect(await conn.locator("rect").last().getAttribute("data-state")).toBe("offline");
    expect(Number(await conn.locator("[data-availability]").getAttribute("data-availability"))).toBeLessThan(1);

    // 7 d, by keyboard: the same outage, the headings say the window.
    await conn.getByRole("button", { name: "Last 7 d" }).focus();
    await page.keyboard.press("Enter");
    const week = page.locator('.connectivity[data-window="7d"][data-loaded="true"]');
    await week.waitFor({ timeout: 15_000 });
    expect(await week.getByRole("button", { name: "Last 7 d" }).getAttribute("aria-pressed")).toBe("true");
    expect(await week.getByRole("button", { name: "Last 24 h" }).getAttribute("aria-pressed")).toBe("false");
    expect(await week.locator("#outages-title").textContent()).toBe("Outages, last 7 d (1)");
    await page.goto(`${server.httpUrl}/#/devices/pi-barn-01`);
    await page.locator('.connectivity[data-window="7d"][data-loaded="true"]').waitFor({ timeout: 15_000 });
    await shoot(page.locator(".connectivity"), "device-connectivity-desktop");
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  });

  it("exports the fleet table as CSV, what a device sent kept as text, never a formula", async () => {
    // A device's own words: the reason its last status gave for going offline.
    const evil = '=HYPERLINK("http://evil.example/","click")';
    await fleet.get("pi-silo-08")!.stop(evil);
    const page = await openPage();
    await signIn(page);
    const silo = row(page, "pi-silo-08");
    await expect.poll(() => silo.getAttribute("data-online"), { timeout: 15_000 }).toBe("false");
    await expect.poll(() => silo.locator("td").first().textContent()).toContain(evil);
    expect(await silo.locator('td[data-label="State"] a').count()).toBe(0);

    await page.getByLabel("State", { exact: true }).selectOption("offline");
    const shown = (await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-device")))) as string[];
    expect(shown).toContain("pi-silo-08");
    const button = page.getByRole("button", { name: `Export the ${shown.length} devices shown as CSV` });
    await button.focus();
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    expect(download.suggestedFilename()).toMatch(/^uplink-fleet-\d{8}-\d{4}\.csv$/);
    const csv = readFileSync((await download.path())!, "utf8");
    const lines = csv.split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(lines[0]).toBe("device,state,offline reason,active link,on fallback,signal dBm,signal measure,root cause,root cause on,failing layers,firing alerts,availability 24h,outages 24h,last seen");
    expect(lines.slice(1, -1).map((l) => l.split(",")[0])).toEqual(shown);
    const siloLine = lines.find((l) => l.startsWith("pi-silo-08,"))!;
    expect(siloLine.startsWith(`pi-silo-08,offline,"'=HYPERLINK(""http://evil.example/"",""click"")",`)).toBe(true);

    // Every kind of cell a spreadsheet would take for a formula, and the quoting RFC 4180 asks for.
    const cells = await page.evaluate(`(async () => {
      const { csvCell, toCsv } = await import("/src/csv.js");
      return {
        cells: ["+1+2", "-2", "@SUM(A1)", " =1", "\\t=1", "a,b", 'say "hi"', "two\\nlines", "wlan0", -71, 0.5, null].map(csvCell),
        doc: toCsv([["a", "b"], ["=1", 2]]),
      };
    })()`);
    expect(cells).toEqual({
      cells: ["'+1+2", "'-2", "'@SUM(A1)", "' =1", "'\t=1", '"a,b"', '"say ""hi"""', '"two\nlines"', "wlan0", "-71", "0.5", ""],
      doc: "a,b\r\n'=1,2\r\n",
    });
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  });

  it("fits the new views on a phone: the fleet's headline and alerts, a device's connectivity", async () => {
    const page = await openPage({ width: 390, height: 844 });
    await signIn(page);
    await page.locator(".alert").first().waitFor({ timeout: 15_000 });
    await page.locator('[data-count="availability"] [data-outages]').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await shoot(page, "fleet-attention-phone");
    await page.goto(`${server.httpUrl}/#/devices/pi-pump-05`);
    await page.locator('.connectivity[data-loaded="true"]').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await shoot(page.locator(".connectivity"), "device-connectivity-phone");
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  });

  it("runs a command on the devices shown, after a confirmation that says how many, with a result per device", async () => {
    const page = await openPage();
    await signIn(page);
    await page.getByLabel("State", { exact: true }).selectOption("fallback");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(2);
    const bulk = page.locator(".bulk");
    expect(await bulk.locator("summary").textContent()).toBe("Run a command on the 2 devices shown");
    await bulk.locator("summary").focus();
    await page.keyboard.press("Enter");
    expect(await page.getByLabel("Command", { exact: true }).inputValue()).toBe("diagnose");
    await bulk.getByRole("button", { name: "Run…" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => bulk.locator("#bulk-q strong").textContent()).toBe("Run diagnose on 2 devices?");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-key"))).toBe("bulk-confirm");
    await page.keyboard.press("Enter");
    for (const id of ["pi-barn-01", "pi-field-03"]) {
      await expect.poll(() => bulk.locator(`.bulk-results li[data-device="${id}"]`).getAttribute("data-state"), { timeout: 20_000 }).toBe("succeeded");
      expect(fleet.get(id)!.commands.map((c) => c.name)).toContain("diagnose");
    }
    // Only the devices shown: the others got no diagnose.
    expect(fleet.get("pi-kiosk-04")!.commands.map((c) => c.name)).not.toContain("diagnose");
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  });

  it("reads the event stream however the network splits it", async () => {
    const page = await openPage();
    await page.goto(server.httpUrl);
    // As a string: vitest rewrites import() in the test's own source, and this runs in the page.
    const got = await page.evaluate(`(async () => {
      const { createSseParser } = await import("/src/sse-parse.js");
      const stream = ": keepalive\\r\\n\\r\\nid: 1\\r\\nevent: device\\r\\ndata: {\\"a\\":1}\\r\\n\\r\\nevent: event\\ndata: line1\\ndata: line2\\n\\n";
      const seen = [];
      const p = createSseParser((m) => seen.push({ event: m.event, data: m.data }));
      for (const ch of stream) p.push(ch);
      return seen;
    })()`);
    expect(got).toEqual([
      { event: "device", data: '{"a":1}' },
      { event: "event", data: "line1\nline2" },
    ]);
  });
});
