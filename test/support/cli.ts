// The operator commands as child processes against a test's own configuration, and a loader
// that puts small Parquet files into the test's bucket and loads them as the service would.
import { type S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../src/config.js';
import type { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { BatchLoader } from '../../src/ingest/batch-loader.js';
import type { FileResult } from '../../src/ingest/file-outcome.js';
import { type PendingFile } from '../../src/ingest/pending-file.js';
import { configFile, spawnReplicator } from './spawn-replicator.js';
import { loadStackEnv } from './stack.js';

export { configFile } from './spawn-replicator.js';
import { putPending, testBatchLoader } from './loader-fixture.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `bend-replicator <args>` (src/main.ts through tsx, on the Node running the tests) with only
 * the configuration file and the local stack's AWS credentials in its environment.
 */
export function runCli(
  config: unknown,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<CliResult> {
  const stack = loadStackEnv();
  const child = spawnReplicator(configFile(config, 'cli-config-'), args, {
    AWS_ACCESS_KEY_ID: stack.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.secretAccessKey,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bend-replicator ${args.join(' ')} took over ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Puts files into the test's bucket and loads them with the service's BatchLoader. */
export class TestLoader {
  private readonly loader: BatchLoader;

  constructor(
    private readonly config: Config,
    pool: SessionPool,
    private readonly s3: S3Client,
    readonly events: PipelineEvents = new PipelineEvents(),
  ) {
    this.loader = testBatchLoader(config, pool, s3, { events });
  }

  put(key: string, body: Buffer): Promise<PendingFile> {
    return putPending(this.s3, this.config, key, body);
  }

  /** Loads the files as one batch; throws unless every file is done. */
  async load(files: readonly PendingFile[]): Promise<void> {
    const outcomes: FileResult[] = [...(await this.loader.load(files)).values()];
    const bad = outcomes.filter((o) => o.kind !== 'done');
    if (bad.length > 0) throw new Error(`not loaded: ${bad.map((o) => o.reason).join('; ')}`);
  }

  /** Puts and loads, as one batch. */
  async putAndLoad(files: readonly { key: string; body: Buffer }[]): Promise<PendingFile[]> {
    const pending: PendingFile[] = [];
    for (const f of files) pending.push(await this.put(f.key, f.body));
    await this.load(pending);
    return pending;
  }
}
