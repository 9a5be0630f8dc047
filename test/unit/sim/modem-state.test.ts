import { afterEach, describe, expect, it, vi } from "vitest";
import { CALL_END, ClientIds, ModemState } from "../../sim/qmi-modem/state.ts";

describe("the simulated modem's state", () => {
  afterEach(() => vi.useRealTimers());

  it("keeps client ids per service until released, and hands out the lowest free one", () => {
    const ids = new ClientIds();
    expect([ids.allocate(1), ids.allocate(1), ids.allocate(2)]).toEqual([1, 2, 1]);
    expect(ids.release(1, 1)).toBe(true);
    expect(ids.release(1, 1)).toBe(false);
    expect(ids.allocate(1)).toBe(1);
    expect(ids.has(1, 2)).toBe(true);
  });

  it("starts a session only when the SIM is ready and the modem registered; a start failure carries its call end reason", () => {
    const m = new ModemState();
    const started = m.startSession("internet", 1);
    expect(started).toMatchObject({ ok: true });
    expect(m.carrierUp).toBe(true);
    expect(m.startSession("internet", 1)).toEqual({ ok: false, error: "noEffect" });
    m.dropSession(CALL_END.noService);
    expect(m.snapshot.session).toMatchObject({ status: "disconnected", lastEnd: { reason: 3 } });
    m.set({ startFailure: CALL_END.unknownApn });
    expect(m.startSession("nonsense", 1)).toEqual({ ok: false, error: "callFailed", end: CALL_END.unknownApn });
    m.stop();
  });

  it("loses registration and session with the SIM, and registers again after searching when it is back", () => {
    vi.useFakeTimers();
    const m = new ModemState({ registerMs: 500, resetAbsentMs: 1000 });
    m.startSession("internet", 1);
    m.set({ sim: "absent" });
    expect(m.snapshot).toMatchObject({ registration: "not-registered", session: { status: "disconnected" } });
    m.set({ sim: "ready" });
    expect(m.snapshot.registration).toBe("searching");
    vi.advanceTimersByTime(500);
    expect(m.snapshot.registration).toBe("registered");
    // The session stays down until someone starts it.
    expect(m.snapshot.session.status).toBe("disconnected");
    m.stop();
  });

  it("stays stuck searching on a network that would take it until a reset, which takes it off USB for a while", () => {
    vi.useFakeTimers();
    const m = new ModemState({ registerMs: 500, resetAbsentMs: 1000 });
    const events: string[] = [];
    m.on("gone", () => events.push("gone"));
    m.on("back", () => events.push("back"));
    m.set({ registration: "searching" });
    vi.advanceTimersByTime(10_000);
    expect(m.snapshot.registration).toBe("searching");
    m.cids.allocate(1);
    m.setOperatingMode("reset");
    vi.advanceTimersByTime(60);
    expect(m.snapshot.present).toBe(false);
    expect(m.cids.count()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(m.snapshot).toMatchObject({ present: true, registration: "searching" });
    vi.advanceTimersByTime(500);
    expect(m.snapshot.registration).toBe("registered");
    expect(events).toEqual(["gone", "back"]);
    m.stop();
  });

  it("is denied or roaming as the network says; a phantom bearer is connected but carries nothing", () => {
    vi.useFakeTimers();
    const m = new ModemState({ registerMs: 100, resetAbsentMs: 100 });
    m.set({ network: "denied" });
    expect(m.snapshot.registration).toBe("denied");
    m.set({ network: "roaming" });
    vi.advanceTimersByTime(100);
    expect(m.snapshot.registration).toBe("registered");
    m.startSession("internet", 1);
    m.set({ session: { phantom: true } });
    expect(m.snapshot.session.status).toBe("connected");
    expect(m.carrierUp).toBe(false);
    m.stop();
  });

  it("asks for the PIN, and gives up to the PUK after three wrong ones", () => {
    vi.useFakeTimers();
    const m = new ModemState({ registerMs: 100, resetAbsentMs: 100 });
    m.set({ sim: "pin-required" });
    expect(m.snapshot.registration).toBe("not-registered");
    for (let i = 0; i < 3; i++) m.verifyPin(false);
    expect(m.snapshot).toMatchObject({ sim: "puk-required", pinRetries: 0 });
    m.stop();
  });
});
