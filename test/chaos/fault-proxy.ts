/**
 * A TCP relay that breaks the connections it carries, on purpose: it sits between the service and
 * Databend (or S3/SQS) and, at seeded random, drops new connections, resets connections in the
 * middle of an exchange, stalls them (bytes swallowed, then the connection closed) and delays
 * the bytes it relays. Order within a connection is always kept: a delayed chunk holds back the
 * chunks behind it, as a slow network would.
 *
 * It works below HTTP, so what the service sees is what a flaky network gives: ECONNRESET,
 * "connection closed before message completed", requests that take seconds, and requests whose
 * answer never comes although the server ran them.
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { Rng } from '../../sim/random.js';

export interface FaultRates {
  /** Per new connection: close it at once, before a byte is relayed (FIN). */
  readonly drop: number;
  /** Per relayed chunk: reset both sides (RST), cutting a request or its answer in half. */
  readonly reset: number;
  /** Per new connection: swallow everything for `stallMs`, then close it (a half-dead peer). */
  readonly stall: number;
  readonly stallMs: number;
  /** Per relayed chunk: hold it back for up to `maxDelayMs`. */
  readonly delay: number;
  readonly maxDelayMs: number;
}

export const NO_FAULTS: FaultRates = {
  drop: 0,
  reset: 0,
  stall: 0,
  stallMs: 0,
  delay: 0,
  maxDelayMs: 0,
};

export interface FaultCounts {
  connections: number;
  dropped: number;
  reset: number;
  stalled: number;
  delayed: number;
  refused: number;
  bytes: number;
}

export interface FaultProxyOptions {
  /** What the proxy stands for, in messages. */
  readonly name: string;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly seed: number;
  readonly rates?: Partial<FaultRates>;
  /** Listen on this port (default: any free one). */
  readonly port?: number;
}

function checkRates(rates: FaultRates): FaultRates {
  for (const key of ['drop', 'reset', 'stall', 'delay'] as const) {
    const p = rates[key];
    if (!(p >= 0 && p <= 1)) throw new Error(`fault rate ${key} must be within 0..1, got ${p}`);
  }
  if (!(rates.stallMs >= 0 && rates.maxDelayMs >= 0))
    throw new Error('stallMs and maxDelayMs must be ≥ 0');
  return rates;
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class FaultProxy {
  readonly name: string;
  private readonly rng: Rng;
  private rates: FaultRates;
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private outageUntil = 0;
  /** While set, every chunk waits for it: see hold(). */
  private holding: { readonly until: Promise<void>; readonly release: () => void } | undefined;
  readonly counts: FaultCounts = {
    connections: 0,
    dropped: 0,
    reset: 0,
    stalled: 0,
    delayed: 0,
    refused: 0,
    bytes: 0,
  };

  constructor(private readonly options: FaultProxyOptions) {
    this.name = options.name;
    this.rng = new Rng(options.seed);
    this.rates = checkRates({ ...NO_FAULTS, ...options.rates });
  }

  /** Starts listening on 127.0.0.1; resolves with the port. */
  async start(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return this.port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Changes the fault rates from now on (connections already open keep relaying). */
  setRates(rates: Partial<FaultRates>): void {
    this.rates = checkRates({ ...this.rates, ...rates });
  }

  get currentRates(): FaultRates {
    return this.rates;
  }

  /** For `ms`: every open connection is reset and every new one refused (a network partition). */
  outage(ms: number): void {
    this.outageUntil = Math.max(this.outageUntil, Date.now() + ms);
    for (const link of [...this.links]) this.resetLink(link);
  }

  /**
   * From now on relays nothing until `release` (connections stay open, their bytes wait): a
   * server that stopped answering in the middle of its work.
   */
  hold(): void {
    if (this.holding !== undefined) return;
    let release = (): void => undefined;
    const until = new Promise<void>((resolve) => (release = resolve));
    this.holding = { until, release };
  }

  release(): void {
    this.holding?.release();
    this.holding = undefined;
  }

  async close(): Promise<void> {
    this.release();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const link of [...this.links]) {
      link.client.destroy();
      link.upstream.destroy();
    }
    this.links.clear();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private accept(client: Socket): void {
    this.counts.connections++;
    client.on('error', () => undefined);
    if (Date.now() < this.outageUntil) {
      this.counts.refused++;
      client.resetAndDestroy();
      return;
    }
    if (this.rng.chance(this.rates.drop)) {
      this.counts.dropped++;
      client.destroy();
      return;
    }
    if (this.rng.chance(this.rates.stall)) {
      this.counts.stalled++;
      client.on('data', () => undefined);
      this.later(this.rates.stallMs, () => client.destroy());
      return;
    }
    const upstream = new Socket();
    const link: Link = { client, upstream };
    this.links.add(link);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const forget = (): void => {
      this.links.delete(link);
    };
    client.on('close', () => {
      forget();
      upstream.destroy();
    });
    upstream.on('close', () => {
      forget();
      // Let the bytes already queued for the client go first, as a closing server would.
      client.end();
    });
    client.pause();
    upstream.connect(this.options.targetPort, this.options.targetHost, () => {
      this.pipe(link, client, upstream);
      this.pipe(link, upstream, client);
      client.resume();
    });
  }

  /** Relays `from` → `to` chunk by chunk, in order, with the faults drawn per chunk. */
  private pipe(link: Link, from: Socket, to: Socket): void {
    let tail = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const rates = this.rates;
      if (this.rng.chance(rates.reset)) {
        this.counts.reset++;
        this.resetLink(link);
        return;
      }
      const wait = this.rng.chance(rates.delay) ? this.rng.int(0, rates.maxDelayMs) : 0;
      if (wait > 0) this.counts.delayed++;
      this.counts.bytes += chunk.length;
      // Back-pressure while chunks wait: the sender is paused until the queue drains.
      from.pause();
      tail = tail
        .then(() => this.holding?.until)
        .then(() => (wait > 0 ? new Promise<void>((r) => this.later(wait, r)) : undefined))
        .then(() => {
          if (!to.destroyed) to.write(chunk);
          if (!from.destroyed) from.resume();
        });
    });
    from.on('end', () => {
      void tail.then(() => {
        if (!to.destroyed) to.end();
      });
    });
  }

  private resetLink(link: Link): void {
    this.links.delete(link);
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (!link.upstream.destroyed) link.upstream.resetAndDestroy();
  }
}

/**
 * A started proxy on 127.0.0.1 in front of a local service, given by a URL of it (the stack's
 * AWS endpoint, or its Databend DSN); `url` is the same URL through the proxy.
 */
export async function proxyFor(
  name: string,
  target: string,
  options: { seed: number; rates?: Partial<FaultRates> },
): Promise<{ proxy: FaultProxy; url: string }> {
  const parsed = new URL(target.replace(/^databend:/, 'http:'));
  const proxy = new FaultProxy({
    name,
    targetHost: parsed.hostname,
    targetPort: Number(parsed.port),
    ...options,
  });
  await proxy.start();
  return { proxy, url: target.replace(`:${parsed.port}`, `:${proxy.port}`) };
}
