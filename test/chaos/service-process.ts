/**
 * The service under chaos: `run` as a child process, supervised the way an orchestrator would —
 * killed on purpose with SIGKILL, and restarted when it exits by itself. An exit nobody asked
 * for is recorded: the contract says bad luck on the network is never a crash.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { Config } from '../../src/config.js';
import { configFile, spawnReplicator } from '../support/spawn-replicator.js';

export interface UnexpectedExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last log lines before it, for the report. */
  readonly lastLines: readonly string[];
}

export interface ServiceProcessOptions {
  readonly config: Config;
  /** Environment of the child besides the config file (AWS credentials). */
  readonly env: Readonly<Record<string, string>>;
  /** Every line of every life is appended here, for reading after a failed run. */
  readonly logFile?: string;
}

interface Life {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly lines: string[];
  expectedExit: boolean;
  /** Batch attempts begun, and those that committed or failed (from the debug log). */
  batchesStarted: number;
  batchesEnded: number;
  /** Lines dropped from the front of `lines` to bound memory. */
  dropped: number;
  /** Whether it said `bend-replicator is running` (start-up done, polling). */
  running: boolean;
}

export class ServiceProcess {
  private life: Life | undefined;
  private readonly configFile: string;
  readonly unexpectedExits: UnexpectedExit[] = [];
  starts = 0;
  /** Times any life of it became the active writer (took the replicas' lease). */
  acquisitions = 0;

  /** Kills the child if this process exits first (Ctrl-C, a failed run): no orphan keeps loading. */
  private readonly killOnExit = (): void => {
    this.life?.child.kill('SIGKILL');
  };

  constructor(private readonly options: ServiceProcessOptions) {
    this.configFile = configFile(options.config, 'chaos-service-');
  }

  start(): void {
    if (this.life !== undefined) return;
    const child = spawnReplicator(this.configFile, ['run'], this.options.env);
    const lines: string[] = [];
    // One reader per stream: a chunk may end in the middle of a line.
    const reader = (): ((chunk: Buffer) => void) => {
      let partial = '';
      return (chunk) => {
        if (this.options.logFile !== undefined) appendFileSync(this.options.logFile, chunk);
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          if (line === '') continue;
          lines.push(line);
          if (line.includes('"bend-replicator is running"')) life.running = true;
          if (line.includes('"this replica is the active writer"')) this.acquisitions++;
          if (line.includes('"batch started"')) life.batchesStarted++;
          else if (line.includes('"batch committed"') || line.includes('"batch failed'))
            life.batchesEnded++;
        }
        if (lines.length > 5_000) life.dropped += lines.splice(0, lines.length - 5_000).length;
      };
    };
    child.stdout?.on('data', reader());
    child.stderr?.on('data', reader());
    const life: Life = {
      child,
      lines,
      expectedExit: false,
      batchesStarted: 0,
      batchesEnded: 0,
      dropped: 0,
      running: false,
      exited: new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          if (!life.expectedExit) {
            this.unexpectedExits.push({ code, signal, lastLines: lines.slice(-20) });
            // As an orchestrator would: start it again.
            if (this.life === life) {
              this.life = undefined;
              this.start();
            }
          }
          resolve();
        }),
      ),
    };
    this.life = life;
    this.starts++;
    process.off('exit', this.killOnExit);
    process.once('exit', this.killOnExit);
    if (this.options.logFile !== undefined)
      appendFileSync(
        this.options.logFile,
        `--- start ${this.starts} at ${new Date().toISOString()}\n`,
      );
  }

  /** Writes a line of the harness's own into the log file (what it did, and when). */
  note(text: string): void {
    if (this.options.logFile !== undefined)
      appendFileSync(this.options.logFile, `--- ${new Date().toISOString()} ${text}\n`);
  }

  /** Log lines of the current life (the process started last). */
  get lines(): readonly string[] {
    return this.life?.lines ?? [];
  }

  /** How many lines the current life has written so far. */
  get lineCount(): number {
    return this.life === undefined ? 0 : this.life.dropped + this.life.lines.length;
  }

  /** The current life's lines from line number `n` on (as far as they are still kept). */
  linesSince(n: number): readonly string[] {
    const life = this.life;
    return life === undefined ? [] : life.lines.slice(Math.max(0, n - life.dropped));
  }

  /** Whether the current life holds the replicas' lease, as its log last said. */
  get active(): boolean {
    const lines = this.life?.lines ?? [];
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i] ?? '';
      if (line.includes('"this replica is the active writer"')) return true;
      if (line.includes('"this replica is no longer the active writer"')) return false;
    }
    return false;
  }

  /** Freezes the process (SIGSTOP) for `ms`, then lets it go on (SIGCONT): a partition, a GC stall. */
  async freeze(ms: number): Promise<void> {
    const life = this.life;
    if (life === undefined) return;
    life.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, ms));
    life.child.kill('SIGCONT');
  }

  /** Whether a batch attempt has begun and not yet committed or failed. */
  get batchOpen(): boolean {
    const life = this.life;
    return life !== undefined && life.batchesStarted > life.batchesEnded;
  }

  /** Resolves when the current life has started up (or after `timeoutMs`); true if it has. */
  async waitUntilRunning(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.life?.running === true) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Resolves when the next batch attempt begins, or after `timeoutMs`; true if one began. */
  async nextBatchStart(timeoutMs: number): Promise<boolean> {
    const life = this.life;
    if (life === undefined) return false;
    const seen = life.batchesStarted;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (life.batchesStarted > seen) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  /** Sends a signal and waits for the exit; the supervisor does not restart it. */
  async stop(signal: NodeJS.Signals): Promise<number | null> {
    const life = this.life;
    if (life === undefined) return null;
    this.life = undefined;
    process.off('exit', this.killOnExit);
    life.expectedExit = true;
    life.child.kill(signal);
    await life.exited;
    return life.child.exitCode;
  }
}
