/**
 * Who is on the other end of a connection or a request. Devices, the server itself and operators
 * are separate principals: each gets its own rules in the ACL.
 */
export type Principal =
  | { kind: "device"; deviceId: string }
  | { kind: "server" }
  | { kind: "operator"; tokenName: string; tokenId: string };

/**
 * MQTT usernames of the non-device principals. A device id never contains `_`, so these can never
 * be mistaken for a device, whatever devices are added later.
 */
export const SERVER_USERNAME = "_uplink-server";
export const OPERATOR_USERNAME = "_operator";

/**
 * Each principal has its own client id space, so that none can take over another's session (the
 * broker hands a client id's session, and its queued messages, to whoever connects with it):
 * a device's client id is its device id; the server's start with `_uplink-server` (one per
 * replica); an operator's are `_operator.<token id>` or `_operator.<token id>.<anything>`, bound
 * to the token it logs in with. No device id contains `_`, so the spaces never meet.
 */
export const SERVER_CLIENT_ID = SERVER_USERNAME;
export const OPERATOR_CLIENT_ID_PREFIX = `${OPERATOR_USERNAME}.`;

export function isServerClientId(clientId: string): boolean {
  return clientId.startsWith(SERVER_CLIENT_ID);
}

export function isOperatorClientIdOf(tokenId: string, clientId: string): boolean {
  const own = `${OPERATOR_CLIENT_ID_PREFIX}${tokenId}`;
  return clientId === own || (clientId.startsWith(`${own}.`) && clientId.length > own.length + 1);
}

/**
 * Names a device may never take: the other principals' spaces, and `uplink-server...`, the
 * server's client ids before they moved into `_uplink-server` (an external broker may still see
 * them).
 */
export function isReservedDeviceId(deviceId: string): boolean {
  return deviceId.startsWith("_") || /^uplink-server(-|$)/.test(deviceId);
}

export function describePrincipal(p: Principal): string {
  if (p.kind === "device") return `device ${p.deviceId}`;
  if (p.kind === "operator") return `operator ${p.tokenName}`;
  return "server";
}
