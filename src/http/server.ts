/**
 * The operations endpoints: `GET /metrics`, `/healthz`, `/readyz` and `/status`.
 *
 * Plain node:http: three fixed routes with no bodies to parse need no framework, and every
 * dependency in this process is one more thing to patch.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ReadinessReport } from './readiness.js';

export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

export interface ReadinessSource {
  check(): Promise<ReadinessReport>;
}

export interface LivenessReport {
  alive: boolean;
  reason?: string;
}

export interface HttpServerOptions {
  /** `::` means every address, IPv4 and IPv6; see listenAddress. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  metrics: MetricsSource;
  readiness: ReadinessSource;
  /** Whether the process still runs its loop; alive unless said otherwise. */
  liveness?: () => LivenessReport;
  /** `GET /status`: the facts `bend-replicator status --json` prints, and the live ones. */
  status?: () => Promise<unknown>;
  /** Used as given: pass `root.child({ module: 'http' })`. */
  logger: Logger;
}

export interface HttpServer {
  /** e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish briefly, then closes. Idempotent. */
  close(): Promise<void>;
}

/** Requests are tiny; a client that dawdles longer than this is cut off. */
const REQUEST_TIMEOUT_MS = 10_000;
/** After close(), in-flight requests get this long before their sockets are destroyed. */
const CLOSE_GRACE_MS = 2_000;

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  method: string | undefined,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(method === 'HEAD' ? undefined : body);
}

function sendJson(response: ServerResponse, status: number, value: unknown, method?: string): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value), method);
}

type Handler = (response: ServerResponse, method: string | undefined) => Promise<void> | void;

function routes(options: HttpServerOptions): Record<string, Handler> {
  return {
    '/metrics': async (response, method) => {
      const { contentType, body } = await options.metrics.render();
      send(response, 200, contentType, body, method);
    },
    '/healthz': (response, method) => {
      const report = options.liveness?.() ?? { alive: true };
      sendJson(response, report.alive ? 200 : 503, report, method);
    },
    '/readyz': async (response, method) => {
      const report = await options.readiness.check();
      sendJson(response, report.ready ? 200 : 503, report, method);
    },
    ...(options.status === undefined
      ? {}
      : {
          '/status': async (response: ServerResponse, method: string | undefined) => {
            const status = options.status;
            sendJson(response, 200, status === undefined ? {} : await status(), method);
          },
        }),
  };
}

/**
 * The address handed to listen(). For `::` none: Node then binds `::` dual-stack, so probes over
 * IPv4 and IPv6 both reach the server (IPv6-only and dual-stack clusters alike), and falls back to
 * `0.0.0.0` on a host without IPv6, where binding `::` itself would fail.
 */
export function listenAddress(host: string): string | undefined {
  return host === '::' ? undefined : host;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const log = options.logger;
  const table = routes(options);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const handler = table[path];
    if (handler === undefined) return sendJson(response, 404, { error: 'not found' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return sendJson(response, 405, { error: 'method not allowed' });
    }
    await handler(response, request.method);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error({ err: error, path: request.url }, 'http handler failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, listenAddress(options.host), () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const hostForUrl = address.includes(':') ? `[${address}]` : address;
  const url = `http://${hostForUrl}:${port}`;
  log.info({ url }, 'http listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      // Prometheus keeps connections alive between scrapes; idle ones would hold close() open.
      server.closeIdleConnections();
    }));

  return { url, port, close };
}
