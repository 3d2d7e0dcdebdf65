// The replicator as a child process (`run`), the way it runs in production, and the DMS
// simulator's files delivered into a test's own bucket.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'databend-driver';
import type { Config } from '../../src/config.js';
import {
  compareOds,
  deliverFiles,
  s3ClientFor,
  simulate,
  writeParquetFiles,
  type DeliverOptions,
  type DeliveryKnobs,
  type DmsFile,
  type DmsSettings,
  type OdsComparison,
  type Simulation,
  type TableDef,
  type WorkloadOptions,
  type WrittenFile,
} from '../../sim/index.js';
import { loadStackEnv } from './stack.js';
import { configFile, spawnReplicator } from './spawn-replicator.js';

/** Config entries for the simulator's tables: their keys, and JSON columns as VARIANT. */
export function tableSettings(tables: readonly TableDef[]): Record<string, unknown> {
  return Object.fromEntries(
    tables.map((t) => [
      `${t.schema}.${t.name}`,
      {
        primaryKey: t.primaryKey,
        columnTypes: Object.fromEntries(
          t.columns.filter((c) => /^json$/i.test(c.type)).map((c) => [c.name, 'VARIANT']),
        ),
      },
    ]),
  );
}

export class Replicator {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  readonly log: string[] = [];

  constructor(private readonly config: Config) {}

  start(): void {
    const stack = loadStackEnv();
    const child = spawnReplicator(configFile(this.config, 'replicator-'), ['run'], {
      AWS_ACCESS_KEY_ID: stack.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.secretAccessKey,
    });
    const keep = (chunk: Buffer): void => {
      this.log.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      if (this.log.length > 5_000) this.log.splice(0, this.log.length - 5_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
  }

  /** Sends a signal; resolves with the exit code once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child === undefined || this.exited === undefined) return null;
    this.child.kill(signal);
    const code = await this.exited;
    this.child = undefined;
    return code;
  }

  /** Sends a signal and returns at once (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Resolves when a log line matches; rejects after the timeout. */
  async waitForLog(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.log.some((line) => pattern.test(line))) {
      if (Date.now() > deadline)
        throw new Error(`no log line matched ${pattern} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get running(): boolean {
    return this.child !== undefined;
  }
}

export interface SimulatedSource {
  readonly simulation: Simulation;
  readonly written: readonly WrittenFile[];
  /**
   * Puts the files into the bucket, and deletes the folders DMS deletes (`simulation.removals`)
   * between them; `only` leaves out the files it rejects.
   */
  readonly deliver: (
    knobs?: DeliveryKnobs & Pick<DeliverOptions, 'onPut' | 'realTime'>,
    only?: (file: DmsFile) => boolean,
  ) => Promise<number>;
}

/** Simulates a DMS task and writes its files locally; `deliver` puts them into the test's bucket. */
export async function simulatedSource(
  bucket: string,
  workload: WorkloadOptions,
  dms: Partial<DmsSettings> = {},
): Promise<SimulatedSource> {
  const simulation = simulate(workload, dms);
  const written = await writeParquetFiles(simulation.files, simulation.settings, {
    outDir: mkdtempSync(join(tmpdir(), 'dms-files-')),
  });
  const stack = loadStackEnv();
  const client = s3ClientFor({
    endpoint: stack.endpoint,
    region: stack.region,
    accessKeyId: stack.accessKeyId,
    secretAccessKey: stack.secretAccessKey,
    bucket,
  });
  return {
    simulation,
    written,
    deliver: async (knobs = {}, only = () => true) =>
      (
        await deliverFiles(
          written.filter((w) => only(w.file)),
          { ...knobs, client, bucket, removals: simulation.removals },
        )
      ).length,
  };
}

/** Polls until every ODS table equals the truth, or the time is up; returns the last comparison. */
export async function waitForConvergence(
  conn: Connection,
  simulation: Simulation,
  config: Config,
  timeoutMs = 120_000,
): Promise<OdsComparison> {
  const deadline = Date.now() + timeoutMs;
  let last: OdsComparison | undefined;
  while (Date.now() < deadline) {
    try {
      last = await compareOds(conn, simulation.truth, { database: config.databend.odsDatabase });
      if (last.equal) return last;
    } catch {
      // Tables appear as their first files load.
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return (
    last ?? (await compareOds(conn, simulation.truth, { database: config.databend.odsDatabase }))
  );
}
