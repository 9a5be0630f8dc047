/**
 * Who is on the other end of a connection or a request. Devices, the server itself and operators
 * are separate principals: each gets its own rules in the ACL.
 */
export type Principal =
  | { kind: "device"; deviceId: string }
  | { kind: "server" }
  | { kind: "operator"; tokenName: string };

/**
 * MQTT usernames of the non-device principals. A device id never contains `_`, so these can never
 * be mistaken for a device, whatever devices are added later.
 */
export const SERVER_USERNAME = "_uplink-server";
export const OPERATOR_USERNAME = "_operator";

export function describePrincipal(p: Principal): string {
  if (p.kind === "device") return `device ${p.deviceId}`;
  if (p.kind === "operator") return `operator ${p.tokenName}`;
  return "server";
}
