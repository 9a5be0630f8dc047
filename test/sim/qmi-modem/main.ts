import { createServer } from "node:net";
import { rmSync } from "node:fs";
import { QmiModemServer } from "./server.ts";
import { ModemState, type ModemChange } from "./state.ts";

/**
 * The simulator as its own process, for trying the real tools by hand:
 *
 *   npx tsx test/sim/qmi-modem/main.ts /tmp/qsim/modem.sock [/tmp/qsim/control.sock]
 *   socat PTY,link=/tmp/qsim/pty,rawer UNIX-CONNECT:/tmp/qsim/modem.sock &
 *   qmicli -d /tmp/qsim/pty --device-open-qmi --dms-get-ids
 *
 * The control socket takes one JSON request a line and answers one JSON line:
 *   {"op":"get"}  {"op":"set","change":{"sim":"absent"}}  {"op":"reset"}  {"op":"leave-usb"}
 *   {"op":"come-back"}  {"op":"drop"}  {"op":"healthy"}  {"op":"log"}
 */
const [socketPath, controlPath] = process.argv.slice(2);
if (!socketPath) {
  console.error("usage: main.ts MODEM_SOCKET [CONTROL_SOCKET]");
  process.exit(2);
}
const modem = new ModemState();
const server = new QmiModemServer(socketPath, modem);
await server.listen();
if (controlPath) {
  rmSync(controlPath, { force: true });
  createServer((s) => {
    let buf = "";
    s.on("data", (b) => {
      buf += b.toString();
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        s.write(JSON.stringify(control(line)) + "\n");
      }
    });
    s.on("error", () => {});
  }).listen(controlPath);
}
console.log(`qmi-modem simulator on ${socketPath}${controlPath ? `, control on ${controlPath}` : ""}`);

function control(line: string): unknown {
  try {
    const req = JSON.parse(line) as { op: string; change?: ModemChange };
    switch (req.op) {
      case "get":
        break;
      case "set":
        modem.set(req.change ?? {});
        break;
      case "healthy":
        modem.resetToHealthy(req.change ?? {});
        break;
      case "reset":
        modem.reset();
        break;
      case "leave-usb":
        modem.leaveUsb();
        break;
      case "come-back":
        modem.comeBack();
        break;
      case "drop":
        modem.dropSession();
        break;
      case "log":
        return { ok: true, log: server.log.slice(-200) };
      default:
        return { ok: false, error: `unknown op ${req.op}` };
    }
    return { ok: true, modem: modem.snapshot };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
}
