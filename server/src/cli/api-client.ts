/** The CLI's door to the HTTP API: fetch with the bearer token, coded errors in, CliError out. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, commandFailed: 1, usage: 2, unreachable: 3, api: 4 } as const;

export interface ApiClient {
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, body: unknown): Promise<T>;
  stream(path: string, onEvent: (type: string, data: unknown) => void, signal?: AbortSignal): Promise<void>;
}

export function createApiClient(server: string, token: string | undefined): ApiClient {
  const base = server.replace(/\/+$/, "");
  const headers = (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { ...headers(), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      throw new CliError(`cannot reach the server at ${base}: ${(err as Error).cause ?? (err as Error).message}`, EXIT.unreachable);
    }
    if (!res.ok) {
      const payload = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      const code = payload?.error?.code ?? `HTTP ${res.status}`;
      const hint = res.status === 401 ? " (set --token or UPLINK_TOKEN)" : "";
      throw new CliError(`${code}: ${payload?.error?.message ?? res.statusText}${hint}`, EXIT.api);
    }
    return res;
  }

  return {
    async get(path) {
      return (await call("GET", path)).json() as never;
    },
    async post(path, body) {
      return (await call("POST", path, body)).json() as never;
    },
    async stream(path, onEvent, signal) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, { headers: headers(), signal });
      } catch (err) {
        if (signal?.aborted) return;
        throw new CliError(`cannot reach the server at ${base}: ${(err as Error).message}`, EXIT.unreachable);
      }
      if (!res.ok || !res.body) throw new CliError(`HTTP ${res.status} opening the live stream`, res.status === 401 ? EXIT.api : EXIT.unreachable);
      const decoder = new TextDecoder();
      let buf = "";
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const type = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (type && data) onEvent(type, JSON.parse(data));
          }
        }
      } catch (err) {
        if (!signal?.aborted) throw new CliError(`the live stream broke: ${(err as Error).message}`, EXIT.unreachable);
      }
    },
  };
}
