import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createTopics, DEFAULT_TOPIC_ROOT } from "@uplink/shared";
import { buildApi } from "./api/app.ts";
import type { AuthLimit } from "./api/auth-limiter.ts";
import { startMetricsListener, type MetricsListener } from "./api/metrics-endpoint.ts";
import { createAuthenticator } from "./auth/credentials.ts";
import { isServerClientId, SERVER_CLIENT_ID, SERVER_USERNAME } from "./auth/principal.ts";
import { generateSecret } from "./auth/secrets.ts";
import { startEmbeddedBroker, type BrokerTls, type EmbeddedBroker } from "./broker/embedded-broker.ts";
import type { BrokerLimits } from "./broker/limits.ts";
import { DEFAULT_ALERT_RULES, type AlertRules } from "./alerts/alert.ts";
import { createAlerting, type Alerting } from "./alerts/alerting.ts";
import { createWebhookSender } from "./alerts/webhook.ts";
import type { WebhookFormat } from "./alerts/webhook-body.ts";
import { createDispatcher, type Dispatcher } from "./commands/dispatcher.ts";
import { createFleet, type Fleet } from "./fleet.ts";
import { recordPresence } from "./history/presence-recorder.ts";
import { handleDeviceMessages } from "./ingest/handle-message.ts";
import { createIngestQueue } from "./ingest/ingest-queue.ts";
import { connectServerClient, type ServerClient } from "./ingest/server-client.ts";
import { silentLogger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { UplinkError } from "./errors.ts";
import { openPostgresStore } from "./store/postgres-store.ts";
import { octal, secureDataDir } from "./store/data-dir.ts";
import { openSqliteStore } from "./store/sqlite-store.ts";
import { listenFailure } from "./startup-failure.ts";
import type { Store } from "./store/store.ts";

export interface ServerOptions {
  /** Where the SQLite database lives; null keeps everything in memory (tests). */
  dataDir: string | null;
  httpPort: number;
  httpHost?: string;
  /** false: no HTTP socket, use `app.inject` (tests). */
  listenHttp?: boolean;
  mqttPort: number;
  mqttHost?: string;
  /** MQTT over TLS on the embedded broker (8883 by default), when a certificate is configured. */
  mqttTls?: BrokerTls;
  /** `postgres://...`: the PostgreSQL store instead of SQLite in `dataDir`. */
  storeUrl?: string;
  /**
   * Replicas: subscribe as `$share/{shareGroup}/...` so that the broker splits device messages
   * among the servers of the group, which share one store (PostgreSQL). External broker only.
   */
  shareGroup?: string;
  /**
   * The server's MQTT client id; each replica needs its own (stable, for its persistent session).
   * It starts with `_uplink-server` (the default), the server's own client id space.
   */
  clientId?: string;
  /** An external broker: the server is then only a client of it. */
  brokerUrl?: string;
  brokerUsername?: string;
  brokerPassword?: string;
  topicRoot?: string;
  logger?: Logger;
  /** A device silent this long is offline even if its last status said online. */
  offlineAfterMs?: number;
  tickMs?: number;
  heartbeatRetentionMs?: number;
  heartbeatBucketMs?: number;
  /** /metrics on its own listener instead of the API port (e.g. 127.0.0.1:9464). */
  metricsPort?: number;
  metricsHost?: string;
  /** /metrics then needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** Failed HTTP authentications allowed per source address. */
  authLimit?: AuthLimit;
  /** The embedded broker's bounds on connections and logins (broker/limits.ts). */
  brokerLimits?: Partial<BrokerLimits>;
  /** Alert rules (defaults: DEFAULT_ALERT_RULES) and where to post them. */
  alerts?: AlertOptions;
}

export interface AlertOptions extends Partial<AlertRules> {
  webhookUrl?: string;
  webhookFormat?: WebhookFormat;
  /** Retries of a failed post: doubling from firstMs up to maxMs, maxAttempts tries in all. */
  webhookRetry?: { firstMs?: number; maxMs?: number; maxAttempts?: number };
  webhookQueueLimit?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  fleet: Fleet;
  metrics: Metrics;
  dispatcher: Dispatcher;
  client: ServerClient;
  /** The embedded broker, or null with an external one. */
  broker: EmbeddedBroker | null;
  httpUrl: string | null;
  mqttUrl: string;
  /** /metrics on its own listener, or null when the API port serves it. */
  metricsUrl: string | null;
  alerting: Alerting;
  close(): Promise<void>;
}

function registerGauges(metrics: Metrics, fleet: Fleet): void {
  const devices = () => Object.values(fleet.state.devices);
  metrics.gauge("uplink_devices", "devices known", () => devices().length);
  metrics.gauge("uplink_devices_online", "devices online now", () => devices().filter((d) => d.online).length);
  metrics.gauge("uplink_seq_gaps", "device messages missing now, over the fleet (0: nothing lost)", () =>
    devices().reduce((n, d) => n + d.seq.gaps, 0),
  );
  metrics.gauge("uplink_heartbeats_dropped_by_devices", "heartbeats the devices shed on purpose this boot (outbox full)", () =>
    devices().reduce((n, d) => n + (d.outbox?.dropped ?? 0), 0),
  );
  // Fleet counts for Alertmanager: the same conditions the alert rules watch.
  metrics.gauge("uplink_devices_offline", "devices heard from at least once and offline now", () =>
    devices().filter((d) => !d.online && d.lastSeenAt !== null).length,
  );
  metrics.gauge("uplink_devices_on_fallback", "devices online whose traffic leaves through a link other than the first choice", () =>
    devices().filter((d) => d.online && d.health?.selection.onFallback).length,
  );
  metrics.gauge("uplink_devices_failing", "devices online whose root cause on a link (or host) is this layer", () => {
    const counts = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const d of devices()) {
      if (!d.online) continue;
      for (const [link, layer] of Object.entries(d.rootCause)) {
        if (layer === null) continue;
        const k = `${link}/${layer}`;
        const c = counts.get(k) ?? { labels: { link, layer }, value: 0 };
        c.value += 1;
        counts.set(k, c);
      }
    }
    return [...counts.values()];
  });
  metrics.gauge("uplink_commands_in_flight", "commands not final yet", () => Object.keys(fleet.state.commands).length);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function openStore(opts: ServerOptions): Store {
  if (opts.storeUrl && /^postgres(ql)?:\/\//.test(opts.storeUrl)) return openPostgresStore(opts.storeUrl);
  if (opts.storeUrl) throw new UplinkError("UPLINK_CONFIG_INVALID", "store URL: only postgres:// (or postgresql://) URLs; SQLite lives in --data");
  if (opts.shareGroup) throw new UplinkError("UPLINK_CONFIG_INVALID", "replicas (a share group) need a shared store: --store postgres://...");
  return openSqliteStore(opts.dataDir ? join(opts.dataDir, "uplink.db") : ":memory:");
}

/**
 * Wires store, broker, ingest, fleet, dispatcher and API together; `close` undoes it in reverse.
 * A failure part-way (a port in use, a damaged store) closes what had started, so that the
 * process exits instead of running on half started.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const started: Array<() => unknown> = [];
  try {
    return await wire(opts, started);
  } catch (err) {
    for (const close of started.reverse()) await Promise.resolve().then(close).catch(() => undefined);
    throw err;
  }
}

async function wire(opts: ServerOptions, started: Array<() => unknown>): Promise<RunningServer> {
  const logger = opts.logger ?? silentLogger();
  const topics = createTopics(opts.topicRoot ?? DEFAULT_TOPIC_ROOT);
  for (const f of opts.dataDir ? secureDataDir(opts.dataDir) : []) {
    const msg =
      f.action === "tightened"
        ? "others could read a file with secrets: made it 0600"
        : f.action === "warned"
          ? "others may enter the data directory: chmod 700 it"
          : "others can read a file with secrets, and it could not be made 0600";
    logger.warn({ path: f.path, mode: octal(f.mode) }, msg);
  }
  if (opts.shareGroup && !opts.brokerUrl) throw new UplinkError("UPLINK_CONFIG_INVALID", "a share group needs an external broker (--broker-url)");
  // Outside its own space the embedded broker refuses it, and a device or an operator could take it.
  if (opts.clientId !== undefined && !isServerClientId(opts.clientId)) {
    throw new UplinkError("UPLINK_CONFIG_INVALID", `client id "${opts.clientId}": the server's client ids start with ${SERVER_CLIENT_ID} (e.g. ${SERVER_CLIENT_ID}-a)`);
  }
  const store = openStore(opts);
  started.push(() => store.close());
  const metrics = createMetrics();
  const fleet = createFleet(store, logger.child({ component: "fleet" }), { shared: Boolean(opts.shareGroup) });
  registerGauges(metrics, fleet);
  started.push(() => fleet.close());
  started.push(recordPresence(fleet, store, logger.child({ component: "history" })));

  // The embedded broker's server principal: a fresh secret each start, known only in-process.
  const serverSecret = generateSecret(32);
  const auth = createAuthenticator(store, serverSecret);
  // Set once the dispatcher exists: a device that comes online gets its pending commands.
  let deliverPending: (deviceId: string) => void = () => undefined;
  const ingestCtx = {
    topics,
    fleet,
    store,
    metrics,
    logger: logger.child({ component: "ingest" }),
    onDeviceOnline: (deviceId: string) => deliverPending(deviceId),
  };
  const queue = createIngestQueue({ handle: (batch) => handleDeviceMessages(ingestCtx, batch), metrics, logger: ingestCtx.logger });
  const ingest = {
    submit: (topic: string, payload: Buffer, done: (answer: "ack" | "retry") => void) =>
      queue.submit({ topic, payload, receivedAt: new Date().toISOString() }, (o) => done(o.verdict === "retry" ? "retry" : "ack")),
    onRelief: (fn: () => void) => queue.onRelief(fn),
  };
  const broker = opts.brokerUrl
    ? null
    : await startEmbeddedBroker({
        port: opts.mqttPort,
        host: opts.mqttHost,
        ...(opts.mqttTls ? { tls: opts.mqttTls } : {}),
        topics,
        auth,
        logger: logger.child({ component: "broker" }),
        metrics,
        limits: opts.brokerLimits,
        ingest,
      }).catch((err: unknown) => {
        const port = (err as { port?: number }).port;
        throw listenFailure(err, opts.mqttTls && port === opts.mqttTls.port ? "mqtts" : "mqtt", port ?? opts.mqttPort);
      });
  if (broker) started.push(() => broker.close());
  const mqttUrl = opts.brokerUrl ?? broker!.url;

  const client = await connectServerClient(
    {
      url: mqttUrl,
      username: opts.brokerUrl ? (opts.brokerUsername ?? SERVER_USERNAME) : SERVER_USERNAME,
      password: opts.brokerUrl ? (opts.brokerPassword ?? "") : serverSecret,
      clientId: opts.clientId ?? SERVER_CLIENT_ID,
      shareGroup: opts.shareGroup,
      ingest: Boolean(opts.brokerUrl),
    },
    topics,
    logger.child({ component: "mqtt" }),
    ingest.submit,
  );
  started.push(() => client.close());
  const dispatcher = createDispatcher({ topics, fleet, store, metrics, logger: logger.child({ component: "commands" }), publisher: client });
  deliverPending = (deviceId) => void dispatcher.deliverPending(deviceId);
  // An external broker keeps the devices' sessions: what was pending before a restart is still
  // queued there, or is published again here (the agent answers a repeated id from its journal).
  // The embedded broker's sessions died with it: each device gets its pending commands when it
  // comes back online (ingestCtx.onDeviceOnline).
  if (!broker) await dispatcher.republishPending();

  const { webhookUrl, webhookFormat, webhookRetry, webhookQueueLimit, ...ruleOptions } = opts.alerts ?? {};
  const sender = webhookUrl
    ? createWebhookSender({
        url: webhookUrl,
        format: webhookFormat,
        logger: logger.child({ component: "alerts" }),
        metrics,
        firstRetryMs: webhookRetry?.firstMs,
        maxRetryMs: webhookRetry?.maxMs,
        maxAttempts: webhookRetry?.maxAttempts,
        queueLimit: webhookQueueLimit,
      })
    : null;
  if (sender) started.push(() => sender.close());
  const alerting = createAlerting({ fleet, store, rules: { ...DEFAULT_ALERT_RULES, ...definedOnly(ruleOptions) }, sender, logger: logger.child({ component: "alerts" }), metrics });

  const offlineAfterMs = opts.offlineAfterMs ?? 180_000;
  const retentionMs = opts.heartbeatRetentionMs ?? 7 * 24 * 3600_000;
  const bucketMs = opts.heartbeatBucketMs ?? 3600_000;
  let lastDownsample = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    fleet.dispatch({ kind: "tick", now: new Date(now).toISOString(), offlineAfterMs });
    dispatcher.sweep(new Date(now));
    try {
      alerting.evaluate(now);
    } catch (err) {
      logger.error({ err }, "evaluating the alert rules failed");
    }
    if (now - lastDownsample > bucketMs / 4) {
      lastDownsample = now;
      const removed = store.downsampleHeartbeats(now - retentionMs, bucketMs);
      if (removed) logger.info({ removed }, "heartbeats past the retention window downsampled");
    }
  }, opts.tickMs ?? 5000);
  ticker.unref();
  started.push(() => clearInterval(ticker));

  const app = await buildApi({
    fleet,
    store,
    dispatcher,
    metrics,
    auth,
    logger: logger.child({ component: "api" }),
    brokerConnected: () => client.connected,
    authLimit: opts.authLimit,
    metricsToken: opts.metricsToken,
    metricsOnOwnPort: opts.metricsPort !== undefined,
  });
  started.push(() => app.close());
  let httpUrl: string | null = null;
  if (opts.listenHttp !== false) {
    await app.listen({ port: opts.httpPort, host: opts.httpHost ?? "0.0.0.0" }).catch((err: unknown) => {
      throw listenFailure(err, "http", opts.httpPort);
    });
    const port = (app.server.address() as AddressInfo).port;
    httpUrl = `http://127.0.0.1:${port}`;
    logger.info({ url: httpUrl }, "HTTP API listening");
  }
  const metricsListener: MetricsListener | null =
    opts.metricsPort === undefined
      ? null
      : await startMetricsListener({
          port: opts.metricsPort,
          host: opts.metricsHost ?? "127.0.0.1",
          token: opts.metricsToken,
          metrics,
          logger: logger.child({ component: "metrics" }),
        }).catch((err: unknown) => {
          throw listenFailure(err, "metrics", opts.metricsPort!);
        });

  return {
    app,
    store,
    fleet,
    metrics,
    dispatcher,
    client,
    broker,
    httpUrl,
    mqttUrl,
    metricsUrl: metricsListener?.url ?? null,
    alerting,
    async close() {
      clearInterval(ticker);
      sender?.close();
      await metricsListener?.close();
      await app.close();
      await client.close();
      if (broker) await broker.close();
      fleet.close();
      store.close();
    },
  };
}
