// Background processes of the stack: started detached with their logs and pid files in .stack/,
// so `stack:up` in one shell and tests in another share them, and `stack:down` finds them.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

export interface ManagedProcess {
  name: string;
  command: string;
  args: string[];
  cwd: string;
}

export function startDetached(stateDir: string, proc: ManagedProcess): number {
  const log = openSync(join(stateDir, `${proc.name}.log`), 'a');
  const child = spawn(proc.command, proc.args, {
    cwd: proc.cwd,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${proc.name}`);
  writeFileSync(join(stateDir, `${proc.name}.pid`), String(child.pid));
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(stateDir: string, name: string): number | undefined {
  const file = join(stateDir, `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** SIGTERM, then SIGKILL after the grace period; the process group goes with it. */
export async function stopProcess(stateDir: string, name: string, graceMs = 5_000): Promise<void> {
  const pid = readPid(stateDir, name);
  rmSync(join(stateDir, `${name}.pid`), { force: true });
  if (pid === undefined || !isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port ?? 0;
}

/**
 * `count` distinct free ports: all are held open together before any is released, so two
 * services started side by side never get the same port (one `freePort` after another can).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  logFile?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  const tail =
    logFile !== undefined && existsSync(logFile)
      ? `\n${readFileSync(logFile, 'utf8').slice(-2_000)}`
      : '';
  throw new Error(`${what} did not answer within ${timeoutMs} ms${tail}`);
}
