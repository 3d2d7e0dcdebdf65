// The service as a child process, as it runs in production: `run` with a config file. Keeps its
// batch log lines (the per-batch timing breakdown) and exposes its pid for /proc measurements.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import { imageNodeFlags } from '../../test/support/image-command.js';
import { REPO_ROOT } from './paths.js';

/** How the service's code is loaded: compiled JavaScript (as deployed) or TypeScript via tsx. */
export type Runner = { readonly kind: 'dist'; readonly mainJs: string } | { readonly kind: 'tsx' };

/** One `batch committed` log line. */
export interface BatchLine {
  /** When the line was written (after COMMIT), ms since the epoch. */
  readonly atMs: number;
  readonly table: string;
  readonly batch: string;
  readonly files: number;
  readonly rows: number;
  /** The ledger look-up before the transaction; NaN when the line lacks it. */
  readonly lookupMs: number;
  readonly copyMs: number;
  readonly mergeMs: number;
  readonly totalMs: number;
}

export interface ServiceOptions {
  readonly config: Config;
  readonly runner: Runner;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
}

export class ServiceProcess {
  readonly batches: BatchLine[] = [];
  /** Lines at warn level and above, and any line that is not JSON. */
  readonly problems: string[] = [];
  /** Lines at warn level and above, counted by message (and Databend error code). */
  readonly problemCounts = new Map<string, number>();
  /** The /metrics address it logged when it started. */
  metricsUrl: string | undefined;
  /** When it became the active writer (took the replicas' lease), ms since the epoch. */
  readonly acquiredAtMs: number[] = [];
  /** Batches it could not commit because it no longer held the lease or its claim. */
  fenced = 0;
  private readonly lines: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  private partial = '';

  constructor(private readonly options: ServiceOptions) {}

  start(): number {
    const dir = mkdtempSync(join(tmpdir(), 'bench-service-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(this.options.config));
    // The compiled service runs with the image's node flags, as the image runs it; the bench's
    // own flags come after them, so an experiment can override one.
    const [flags, entry] =
      this.options.runner.kind === 'dist'
        ? [imageNodeFlags(), [this.options.runner.mainJs]]
        : [[], ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts')]];
    const args = [...flags, ...(this.options.nodeArgs ?? []), ...entry, 'run'];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        BEND_REPLICATOR_CONFIG: configFile,
        AWS_ACCESS_KEY_ID: this.options.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: this.options.credentials.secretAccessKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => this.take(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.take(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
    if (child.pid === undefined) throw new Error('the service did not start');
    return child.pid;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends SIGTERM (or `signal`) and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child === undefined || this.exited === undefined) return null;
    this.child.kill(signal);
    const code = await this.exited;
    this.child = undefined;
    return code;
  }

  /** Sends a signal that does not end the process (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Whether it holds the lease, as its log last said. */
  get active(): boolean {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const line = this.lines[i] ?? '';
      if (line.includes('"this replica is the active writer"')) return true;
      if (line.includes('"this replica is no longer the active writer"')) return false;
    }
    return false;
  }

  /** Resolves when a log line matches; rejects after the timeout or when the process exits. */
  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.some((line) => pattern.test(line))) {
      if (this.child === undefined || this.child.exitCode !== null)
        throw new Error(`the service exited: ${this.tail()}`);
      if (Date.now() > deadline)
        throw new Error(`no log line matched ${pattern} within ${timeoutMs} ms: ${this.tail()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  tail(lines = 5): string {
    return this.lines.slice(-lines).join('\n');
  }

  private take(chunk: Buffer): void {
    // Every line of every replica in one file, for reading after a run that went wrong.
    const logDir = process.env.BENCH_SERVICE_LOG_DIR;
    if (logDir !== undefined && this.child?.pid !== undefined)
      appendFileSync(join(logDir, `service-${this.child.pid}.log`), chunk);
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line === '') continue;
      this.lines.push(line);
      if (this.lines.length > 2_000) this.lines.splice(0, 1_000);
      this.parse(line);
    }
  }

  private parse(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (this.problems.length < 20) this.problems.push(line);
      return;
    }
    if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal') {
      if (this.problems.length < 20) this.problems.push(line);
      const code = (entry.err as { code?: unknown } | undefined)?.code;
      const codeText =
        typeof code === 'number' || typeof code === 'string' ? ` (Databend ${code})` : '';
      const label = `${String(entry.msg)}${codeText}`;
      this.problemCounts.set(label, (this.problemCounts.get(label) ?? 0) + 1);
    }
    if (entry.msg === 'bend-replicator is running' && typeof entry.metrics === 'string')
      this.metricsUrl = entry.metrics;
    if (entry.msg === 'this replica is the active writer')
      this.acquiredAtMs.push(Date.parse(String(entry.time)));
    if (typeof entry.msg === 'string' && entry.msg.startsWith('batch not committed')) this.fenced++;
    if (entry.msg !== 'batch committed') return;
    const rows = entry.rows as Record<string, number> | undefined;
    this.batches.push({
      atMs: Date.parse(String(entry.time)),
      table: String(entry.table),
      batch: String(entry.batch),
      files: Number(entry.files),
      rows: (rows?.I ?? 0) + (rows?.U ?? 0) + (rows?.D ?? 0),
      lookupMs: Number(entry.lookupMs),
      copyMs: Number(entry.copyMs),
      mergeMs: Number(entry.mergeMs),
      totalMs: Number(entry.totalMs),
    });
  }
}
