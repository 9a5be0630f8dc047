import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { BrokerTls } from "./broker/embedded-broker.ts";
import { resolve } from "node:path";
import { startDemo } from "./demo.ts";
import { MIN_METRICS_TOKEN_LENGTH } from "./api/metrics-endpoint.ts";
import { UplinkError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { startServer, type AlertOptions } from "./server.ts";
import { BROKER_LIMIT_OPTIONS, BROKER_LIMITS_USAGE, brokerLimitsFrom } from "./broker/limit-flags.ts";
import { describeStartupFailure, STARTUP_EXIT } from "./startup-failure.ts";

const USAGE = `usage: uplink-server [--data DIR] [--http-port N] [--mqtt-port N] [--broker-url URL] [--demo]

  --data DIR         where the SQLite store lives (env UPLINK_DATA_DIR; default .data/server, .data/demo with --demo)
  --http-port N      HTTP API port (env UPLINK_HTTP_PORT; default 8080)
  --mqtt-port N      embedded MQTT broker port (env UPLINK_MQTT_PORT; default 1883)
  --tls-cert FILE    PEM certificate (chain) for MQTT over TLS on the embedded broker (env UPLINK_TLS_CERT)
  --tls-key FILE     its PEM private key (env UPLINK_TLS_KEY)
  --mqtts-port N     the TLS port (env UPLINK_MQTTS_PORT; default 8883)
  --broker-url URL   use an external broker instead of the embedded one (env UPLINK_BROKER_URL;
                     credentials in UPLINK_BROKER_USERNAME / UPLINK_BROKER_PASSWORD)
  --topic-root ROOT  MQTT topic root (default uplink/v1)
  --store URL        postgres://user:pass@host/db: PostgreSQL instead of SQLite in --data
                     (env UPLINK_STORE_URL)
  --share-group NAME replicas: subscribe as $share/NAME/... on an external broker, sharing one
                     PostgreSQL store (env UPLINK_SHARE_GROUP)
  --client-id ID     the server's MQTT client id, starting with _uplink-server; one per replica
                     (env UPLINK_CLIENT_ID; default _uplink-server)
${BROKER_LIMITS_USAGE}  --metrics-port N   serve /metrics on its own listener instead of the HTTP port (env UPLINK_METRICS_PORT)
  --metrics-host H   that listener's address (env UPLINK_METRICS_HOST; default 127.0.0.1)
  --metrics-token-file FILE  /metrics needs "Authorization: Bearer <the file's content>"
                     (env UPLINK_METRICS_TOKEN_FILE, or the token itself in UPLINK_METRICS_TOKEN)
  --alert-webhook URL         POST alerts there as JSON (env UPLINK_ALERT_WEBHOOK)
  --alert-webhook-format F    json (default) or slack (env UPLINK_ALERT_WEBHOOK_FORMAT)
  --alert-offline-after-s N   alert when a device is offline this long (env UPLINK_ALERT_OFFLINE_AFTER_S; 300)
  --alert-fallback-after-s N  ... on a fallback link this long (env UPLINK_ALERT_FALLBACK_AFTER_S; 600)
  --alert-layer-after-s N     ... with a root cause at a layer this long (env UPLINK_ALERT_LAYER_AFTER_S; 600)
  --alert-data-budget-mb N    ... past N MB on cellular links this billing cycle (env UPLINK_ALERT_DATA_BUDGET_MB; off)
  --alert-billing-day N       the day of the month (UTC) a billing cycle starts (env UPLINK_ALERT_BILLING_DAY; 1)
                     A 0 for a time or a budget turns the rule off.
  --demo             make a demo operator token and device, and run a simulated agent
`;

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UplinkError("UPLINK_CONFIG_INVALID", `${name}: not a port: ${value}`);
  return n;
}

function shareGroup(value: string | undefined): string | undefined {
  // A share name is one topic level: no '/', '+' or '#' [MQTT-4.8.2-2].
  if (value !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(value)) throw new UplinkError("UPLINK_CONFIG_INVALID", `--share-group: not a share name: ${value}`);
  return value;
}

/** The TLS listener's settings: both files or neither. */
function brokerTls(certFile: string | undefined, keyFile: string | undefined, tlsPort: number): { mqttTls?: BrokerTls } {
  if (!certFile && !keyFile) return {};
  if (!certFile || !keyFile) throw new UplinkError("UPLINK_CONFIG_INVALID", "--tls-cert and --tls-key go together");
  return { mqttTls: { port: tlsPort, cert: readConfigFile(certFile, "--tls-cert"), key: readConfigFile(keyFile, "--tls-key") } };
}

function readConfigFile(file: string, flag: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new UplinkError("UPLINK_CONFIG_INVALID", `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The metrics token, from a file (Prometheus reads it from one too) or the environment; never a flag, which `ps` shows. */
function metricsToken(file: string | undefined, fromEnv: string | undefined): { metricsToken?: string } {
  const token = file ? readConfigFile(file, "--metrics-token-file").trim() : fromEnv || undefined;
  if (token === undefined) return {};
  if (token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new UplinkError("UPLINK_CONFIG_INVALID", `the metrics token is shorter than ${MIN_METRICS_TOKEN_LENGTH} characters (make one: openssl rand -hex 24)`);
  }
  return { metricsToken: token };
}

function nonNegative(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UplinkError("UPLINK_CONFIG_INVALID", `${name}: not a number of 0 or more: ${value}`);
  return n;
}

/** A time in seconds as milliseconds; 0 turns the rule off (null); unset keeps the default. */
function ruleMs(value: string | undefined, name: string): number | null | undefined {
  const s = nonNegative(value, name);
  return s === undefined ? undefined : s === 0 ? null : s * 1000;
}

/** The alert rules and webhook, flags over environment. */
export function alertOptions(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): AlertOptions {
  const flag = (name: string, envName: string) => (values[name] as string | undefined) ?? (env[envName] || undefined);
  const webhookUrl = flag("alert-webhook", "UPLINK_ALERT_WEBHOOK");
  if (webhookUrl !== undefined && !/^https?:\/\/./.test(webhookUrl)) throw new UplinkError("UPLINK_CONFIG_INVALID", `--alert-webhook: not an http(s) URL: ${webhookUrl}`);
  const format = flag("alert-webhook-format", "UPLINK_ALERT_WEBHOOK_FORMAT");
  if (format !== undefined && format !== "json" && format !== "slack") throw new UplinkError("UPLINK_CONFIG_INVALID", `--alert-webhook-format: json or slack, not ${format}`);
  const budgetMb = nonNegative(flag("alert-data-budget-mb", "UPLINK_ALERT_DATA_BUDGET_MB"), "--alert-data-budget-mb");
  const billingDay = nonNegative(flag("alert-billing-day", "UPLINK_ALERT_BILLING_DAY"), "--alert-billing-day");
  if (billingDay !== undefined && !(Number.isInteger(billingDay) && billingDay >= 1 && billingDay <= 28)) {
    throw new UplinkError("UPLINK_CONFIG_INVALID", `--alert-billing-day: a day from 1 to 28, not ${billingDay}`);
  }
  return {
    webhookUrl,
    webhookFormat: format,
    offlineAfterMs: ruleMs(flag("alert-offline-after-s", "UPLINK_ALERT_OFFLINE_AFTER_S"), "--alert-offline-after-s"),
    fallbackAfterMs: ruleMs(flag("alert-fallback-after-s", "UPLINK_ALERT_FALLBACK_AFTER_S"), "--alert-fallback-after-s"),
    layerFailingAfterMs: ruleMs(flag("alert-layer-after-s", "UPLINK_ALERT_LAYER_AFTER_S"), "--alert-layer-after-s"),
    dataBudgetBytes: budgetMb === undefined ? undefined : budgetMb === 0 ? null : budgetMb * 1e6,
    billingDay,
  };
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: "string" },
        "http-port": { type: "string" },
        "mqtt-port": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "mqtts-port": { type: "string" },
        "broker-url": { type: "string" },
        "topic-root": { type: "string" },
        store: { type: "string" },
        "share-group": { type: "string" },
        "client-id": { type: "string" },
        ...BROKER_LIMIT_OPTIONS,
        "metrics-port": { type: "string" },
        "metrics-host": { type: "string" },
        "metrics-token-file": { type: "string" },
        "alert-webhook": { type: "string" },
        "alert-webhook-format": { type: "string" },
        "alert-offline-after-s": { type: "string" },
        "alert-fallback-after-s": { type: "string" },
        "alert-layer-after-s": { type: "string" },
        "alert-data-budget-mb": { type: "string" },
        "alert-billing-day": { type: "string" },
        demo: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return STARTUP_EXIT.usage;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const env = process.env;
  const logger = createLogger();
  try {
    const dataDir = resolve(values.data ?? env.UPLINK_DATA_DIR ?? (values.demo ? ".data/demo" : ".data/server"));
    const server = await startServer({
      dataDir,
      httpPort: port(values["http-port"] ?? env.UPLINK_HTTP_PORT, 8080, "--http-port"),
      mqttPort: port(values["mqtt-port"] ?? env.UPLINK_MQTT_PORT, 1883, "--mqtt-port"),
      ...brokerTls(values["tls-cert"] ?? env.UPLINK_TLS_CERT, values["tls-key"] ?? env.UPLINK_TLS_KEY, port(values["mqtts-port"] ?? env.UPLINK_MQTTS_PORT, 8883, "--mqtts-port")),
      brokerUrl: values["broker-url"] ?? env.UPLINK_BROKER_URL,
      brokerUsername: env.UPLINK_BROKER_USERNAME,
      brokerPassword: env.UPLINK_BROKER_PASSWORD,
      topicRoot: values["topic-root"] ?? env.UPLINK_TOPIC_ROOT,
      storeUrl: values.store ?? (env.UPLINK_STORE_URL || undefined),
      shareGroup: shareGroup(values["share-group"] ?? (env.UPLINK_SHARE_GROUP || undefined)),
      clientId: values["client-id"] ?? (env.UPLINK_CLIENT_ID || undefined),
      brokerLimits: brokerLimitsFrom(values, env),
      ...(values["metrics-port"] ?? env.UPLINK_METRICS_PORT
        ? { metricsPort: port(values["metrics-port"] ?? env.UPLINK_METRICS_PORT, 9464, "--metrics-port") }
        : {}),
      metricsHost: values["metrics-host"] ?? (env.UPLINK_METRICS_HOST || undefined),
      ...metricsToken(values["metrics-token-file"] ?? (env.UPLINK_METRICS_TOKEN_FILE || undefined), env.UPLINK_METRICS_TOKEN),
      alerts: alertOptions(values, env),
      logger,
    });
    // Listening for the signals before saying "up": a supervisor that reads the banner and stops
    // the server at once must not find the default action (death mid-start) still in place.
    const stopped = new Promise<void>((done) => {
      const stop = (signal: string) => {
        logger.info({ signal }, "shutting down");
        done();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    const demo = values.demo ? await startDemo(server, dataDir, logger.child({ component: "demo" })) : null;
    if (!values.demo) process.stdout.write(`uplink-server: API ${server.httpUrl}/api/v1, MQTT ${server.mqttUrl}, data ${dataDir}\n`);
    await stopped;
    await demo?.stop();
    await server.close();
    return 0;
  } catch (err) {
    const failure = describeStartupFailure(err);
    process.stderr.write(`${failure.line}\n`);
    logger.flush?.();
    return failure.exitCode;
  }
}
