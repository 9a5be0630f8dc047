/**
 * Every error the server raises on purpose, with a stable code. The HTTP API maps a code to its
 * status, the CLI to its exit code; a test checks that README.md documents each code.
 */
export const ERROR_CODES = {
  UPLINK_BAD_REQUEST: { status: 400, message: "the request is not valid" },
  UPLINK_UNAUTHORIZED: { status: 401, message: "a valid bearer token is required" },
  UPLINK_DEVICE_NOT_FOUND: { status: 404, message: "no such device" },
  UPLINK_COMMAND_NOT_FOUND: { status: 404, message: "no such command" },
  UPLINK_NOT_FOUND: { status: 404, message: "no such route" },
  UPLINK_DEVICE_EXISTS: { status: 409, message: "the device already exists" },
  UPLINK_TOKEN_EXISTS: { status: 409, message: "a token with that name already exists" },
  UPLINK_RATE_LIMITED: { status: 429, message: "too many failed attempts: retry later" },
  UPLINK_COMMAND_INVALID: { status: 422, message: "the command does not match the catalog" },
  UPLINK_COMMAND_UNSUPPORTED: { status: 422, message: "the command is not in the catalog" },
  UPLINK_BROKER_UNAVAILABLE: { status: 503, message: "the MQTT broker is not reachable" },
  UPLINK_CONFIG_INVALID: { status: 500, message: "the server configuration is not valid" },
  UPLINK_STORE_FAILED: { status: 500, message: "the store failed" },
  UPLINK_STORE_DAMAGED: { status: 500, message: "the store's file is damaged or missing" },
  UPLINK_PORT_UNAVAILABLE: { status: 500, message: "a port the server listens on is unavailable" },
  UPLINK_INTERNAL: { status: 500, message: "internal error" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class UplinkError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, context: Record<string, unknown> = {}) {
    super(message ?? ERROR_CODES[code].message);
    this.name = "UplinkError";
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.context = context;
  }
}

export function isUplinkError(err: unknown): err is UplinkError {
  return err instanceof UplinkError;
}
