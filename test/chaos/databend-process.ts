/**
 * A Databend server of the chaos suite's own: the stack's embedded engine behind its HTTP query
 * protocol (test/chaos/restartable_databend.py), on its own port and data directory, so
 * restarting it never disturbs the tests that share the stack's Databend.
 *
 * `restart` is a restart of the query node: every connection, session, open transaction and
 * cached answer is lost, the node is away for a while and comes back on the same port, and what
 * was committed is still there — as with databend-query in front of databend-meta and object
 * storage. (Restarting the embedded engine's process would wipe the catalog: its meta does not
 * outlive the process.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../stack/processes.js';
import { stackDir, venvPython } from '../../stack/python-env.js';

export interface DatabendProcessOptions {
  readonly dataDir: string;
  /** Default: a free port, chosen once and kept across restarts. */
  readonly port?: number;
}

export class DatabendProcess {
  private child: ChildProcess | undefined;
  private portNumber: number | undefined;
  /** `ready <n>` lines seen: the server answers after restart n. */
  private ready = -1;
  private readonly waiters: (() => void)[] = [];
  restarts = 0;

  constructor(private readonly options: DatabendProcessOptions) {}

  get port(): number {
    if (this.portNumber === undefined) throw new Error('the Databend process has not started');
    return this.portNumber;
  }

  /** The DSN of the server itself (not through a proxy). */
  get dsn(): string {
    return `databend://root:@127.0.0.1:${this.port}/?sslmode=disable`;
  }

  async start(): Promise<void> {
    this.portNumber ??= this.options.port ?? (await freePort());
    mkdirSync(this.options.dataDir, { recursive: true });
    const log = openSync(join(this.options.dataDir, '..', 'databend.log'), 'a');
    const child = spawn(
      venvPython,
      [
        join(import.meta.dirname, 'restartable_databend.py'),
        '--port',
        String(this.port),
        '--data-dir',
        this.options.dataDir,
      ],
      { cwd: stackDir, stdio: ['pipe', 'pipe', log] },
    );
    closeSync(log);
    this.child = child;
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^ready (\d+)$/.exec(line.trim());
        if (match !== null) {
          this.ready = Number(match[1]);
          for (const wake of this.waiters.splice(0)) wake();
        }
      }
    });
    await this.waitReady(0, 120_000);
  }

  /** Restarts the query node; resolves when it serves again, `downMs` later. */
  async restart(downMs: number): Promise<void> {
    const child = this.child;
    if (child === undefined) throw new Error('the Databend process is not running');
    const next = this.restarts + 1;
    child.stdin?.write(`restart ${Math.round(downMs)}\n`);
    await this.waitReady(next, 60_000 + downMs);
    this.restarts = next;
  }

  private async waitReady(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ready < n) {
      if (Date.now() > deadline)
        throw new Error(`the chaos Databend did not serve within ${timeoutMs} ms`);
      if (this.child === undefined || this.child.exitCode !== null)
        throw new Error('the chaos Databend exited');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  }
}
