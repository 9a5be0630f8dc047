/**
 * Every error the agent raises on purpose, with a stable code, so that a log line or a command
 * response can be searched for and a test can assert on the code, not on the wording.
 */
export const ERROR_CODES = {
  UPLINK_CONFIG_UNREADABLE: "the config file could not be read or parsed",
  UPLINK_CONFIG_INVALID: "the config does not match its schema",
  UPLINK_CLI_USAGE: "the command line is wrong",
  UPLINK_SIMULATE_DIR: "the --simulate directory is missing or holds no snapshot",
  UPLINK_COMMAND_FAILED: "a program a command runs exited with an error",
  UPLINK_COMMAND_PRECONDITION: "a command cannot run in the state the device is in",
  UPLINK_COMMAND_TIMEOUT: "a command ran past its catalog timeout",
  UPLINK_STORE_IO: "the outbox or journal file could not be written",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AgentError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = "AgentError";
    this.code = code;
    this.context = context;
  }
}

export function isAgentError(err: unknown, code?: ErrorCode): err is AgentError {
  return err instanceof AgentError && (code === undefined || err.code === code);
}

/** The message of anything thrown, for a log line or a response's `message`. */
export function errorMessage(err: unknown): string {
  if (err instanceof AgentError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
