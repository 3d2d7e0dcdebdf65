// The chaos suite's TCP fault proxy, against an echo server on loopback.
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy, type FaultRates } from '../chaos/fault-proxy.js';

let echo: Server;
let echoPort: number;
const proxies: FaultProxy[] = [];

beforeEach(async () => {
  echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  echoPort = (echo.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

async function proxy(rates: Partial<FaultRates>): Promise<FaultProxy> {
  const p = new FaultProxy({
    name: 'echo',
    targetHost: '127.0.0.1',
    targetPort: echoPort,
    seed: 1,
    rates,
  });
  proxies.push(p);
  await p.start();
  return p;
}

/** Sends the messages 10 ms apart over one connection; resolves with what came back and how it ended. */
function exchange(
  port: number,
  messages: readonly string[],
): Promise<{ received: string; ending: 'end' | 'error'; error?: string }> {
  const total = messages.join('').length;
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    let settled = false;
    const settle = (ending: 'end' | 'error', error?: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ received, ending, ...(error === undefined ? {} : { error }) });
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.length >= total) settle('end');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => settle('error', err.code ?? err.message));
    socket.on('close', () => settle('end'));
    socket.connect(port, '127.0.0.1', () => {
      messages.forEach((message, i) => {
        setTimeout(() => {
          if (!socket.destroyed) socket.write(message);
        }, i * 10);
      });
    });
  });
}

describe('the fault proxy', () => {
  it('relays bytes both ways unchanged when no fault is set', async () => {
    const p = await proxy({});
    const result = await exchange(p.port, ['hello ', 'world']);
    expect(result.received).toBe('hello world');
    expect(p.counts.connections).toBe(1);
  });

  it('drops a new connection before relaying a byte', async () => {
    const p = await proxy({ drop: 1 });
    const result = await exchange(p.port, ['hello']);
    expect(result.received).toBe('');
    expect(p.counts.dropped).toBe(1);
  });

  it('resets a connection mid-exchange, so the client sees ECONNRESET', async () => {
    const p = await proxy({ reset: 1 });
    const result = await exchange(p.port, ['hello']);
    expect(result).toMatchObject({ received: '', ending: 'error', error: 'ECONNRESET' });
    expect(p.counts.reset).toBe(1);
  });

  it('delays chunks but keeps their order within a connection', async () => {
    const p = await proxy({ delay: 1, maxDelayMs: 60 });
    const result = await exchange(p.port, ['a', 'b', 'c', 'd']);
    expect(result.received).toBe('abcd');
    expect(p.counts.delayed).toBeGreaterThan(0);
  });

  it('stalls a connection, swallowing bytes, then closes it', async () => {
    const p = await proxy({ stall: 1, stallMs: 100 });
    const started = Date.now();
    const result = await exchange(p.port, ['hello']);
    expect(result.received).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(p.counts.stalled).toBe(1);
  });

  it('refuses every connection during an outage and relays again after it', async () => {
    const p = await proxy({});
    p.outage(150);
    const during = await exchange(p.port, ['x']);
    expect(during.received).toBe('');
    expect(p.counts.refused).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect((await exchange(p.port, ['y'])).received).toBe('y');
  });

  it('rejects a rate outside 0..1', async () => {
    const p = await proxy({});
    expect(() => p.setRates({ reset: 1.5 })).toThrow(/reset must be within 0..1/);
  });
});
