// The local stack: a real Databend engine behind its HTTP query protocol, and moto's S3 and SQS,
// all on loopback. `up` is idempotent: a running, healthy stack is reused.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createResources } from './aws-resources.js';
import { mariadbRunning, startMariadb, stopMariadb } from './mariadb.js';
import { freePorts, readPid, isAlive, startDetached, stopProcess, waitFor } from './processes.js';
import { ensurePythonEnv, stackDir, venvPython } from './python-env.js';

export const stateDir = join(stackDir, '..', '.stack');
export const envFile = join(stateDir, 'env');

export type StackEnv = Record<string, string>;

export interface StackOptions {
  /** Keep Databend's data in .stack/databend-data across restarts; otherwise a temporary directory. */
  persistentData: boolean;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  python: string | undefined;
  /** Start the MySQL source (MariaDB) too, when it is installed; default true. */
  mariadb?: boolean;
  log: (line: string) => void;
}

const SERVICES = ['databend', 'moto'] as const;

export function readStackEnv(): StackEnv | undefined {
  if (!existsSync(envFile)) return undefined;
  const env: StackEnv = {};
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.status < 500;
}

export async function isHealthy(env: StackEnv): Promise<boolean> {
  const servicesAlive = SERVICES.every((name) => {
    const pid = readPid(stateDir, name);
    return pid !== undefined && isAlive(pid);
  });
  if (!servicesAlive) return false;
  try {
    return (
      (await answers(`http://127.0.0.1:${env.DATABEND_HTTP_PORT}/v1/health`)) &&
      (await answers(`${env.AWS_ENDPOINT_URL}/moto-api/`))
    );
  } catch {
    return false;
  }
}

/** Starts the stack unless a healthy one is running; returns its endpoints and whether it started it. */
export async function up(options: StackOptions): Promise<{ env: StackEnv; started: boolean }> {
  mkdirSync(stateDir, { recursive: true });
  // Two test runs starting at once must not both (re)start the stack and kill each other's.
  const release = await lock(join(stateDir, 'up.lock'), 300_000);
  try {
    return await upLocked(options);
  } finally {
    release();
  }
}

async function lock(dir: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      return () => rmSync(dir, { recursive: true, force: true });
    } catch {
      if (Date.now() > deadline) throw new Error(`could not take ${dir} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function upLocked(options: StackOptions): Promise<{ env: StackEnv; started: boolean }> {
  const existing = readStackEnv();
  if (existing !== undefined && (await isHealthy(existing))) {
    // A stack started before it had a MySQL source gains one without a restart.
    const env = options.mariadb === false ? existing : await withMariadb(existing, options.log);
    return { env, started: false };
  }
  await down();
  ensurePythonEnv(options.python, options.log);

  const startedAt = Date.now();
  const [databendPort = 0, motoPort = 0] = await freePorts(2);
  const databendArgs = [
    '-m',
    'dbserver.server',
    '--host',
    '127.0.0.1',
    '--port',
    String(databendPort),
  ];
  if (options.persistentData) databendArgs.push('--data-dir', join(stateDir, 'databend-data'));
  startDetached(stateDir, {
    name: 'databend',
    command: venvPython,
    args: databendArgs,
    cwd: stackDir,
  });
  startDetached(stateDir, {
    name: 'moto',
    command: venvPython,
    args: ['-m', 'moto_server', '-H', '127.0.0.1', '-p', String(motoPort)],
    cwd: stackDir,
  });

  const aws = {
    endpoint: `http://127.0.0.1:${motoPort}`,
    region: 'us-east-1',
    accessKeyId: 'test',
    secretAccessKey: 'test',
  };
  await waitFor(
    'moto',
    () => answers(`${aws.endpoint}/moto-api/`),
    60_000,
    join(stateDir, 'moto.log'),
  );
  await waitFor(
    'databend',
    () => answers(`http://127.0.0.1:${databendPort}/v1/health`),
    120_000,
    join(stateDir, 'databend.log'),
  );
  const bucket = 'dms-bucket';
  const resources = await createResources(aws, {
    bucket,
    queueName: 'dms-events',
    dlqName: 'dms-events-dlq',
    maxReceiveCount: options.maxReceiveCount,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
  });

  const env: StackEnv = {
    DATABEND_DSN: `databend://root:@127.0.0.1:${databendPort}/?sslmode=disable`,
    DATABEND_HTTP_PORT: String(databendPort),
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
    S3_BUCKET: bucket,
    SQS_QUEUE_URL: resources.queueUrl,
    SQS_DLQ_URL: resources.dlqUrl,
    SQS_MAX_RECEIVE_COUNT: String(options.maxReceiveCount),
  };
  writeStackEnv(env);
  const full = options.mariadb === false ? env : await withMariadb(env, options.log);
  options.log(`stack started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return { env: full, started: true };
}

/** Writes the env file whole and renames it, so a reader never sees half of it. */
function writeStackEnv(env: StackEnv): void {
  const temporary = `${envFile}.${process.pid}`;
  writeFileSync(
    temporary,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  renameSync(temporary, envFile);
}

/** Adds the MySQL source to a running stack (starting it when missing), touching nothing else. */
export async function ensureMariadb(log: (line: string) => void): Promise<StackEnv> {
  const release = await lock(join(stateDir, 'up.lock'), 300_000);
  try {
    const env = readStackEnv();
    if (env === undefined) throw new Error('.stack/env not found: the stack is not up');
    return await withMariadb(env, log);
  } finally {
    release();
  }
}

/** The env with a running MariaDB's URLs: starts one when it is missing and installed. */
async function withMariadb(env: StackEnv, log: (line: string) => void): Promise<StackEnv> {
  if (await mariadbRunning(stateDir, env)) return env;
  const started = await startMariadb(stateDir, log);
  if (started === undefined) return env;
  const full = { ...env, ...started };
  writeStackEnv(full);
  log(`MariaDB (the MySQL source) on 127.0.0.1:${started.MYSQL_PORT}`);
  return full;
}

export async function down(): Promise<void> {
  await Promise.all([
    ...SERVICES.map((name) => stopProcess(stateDir, name)),
    stopMariadb(stateDir),
  ]);
  rmSync(envFile, { force: true });
}

/** Restarts only Databend (same port and data directory): for tests of readiness and recovery. */
export async function restartDatabend(env: StackEnv): Promise<void> {
  await stopProcess(stateDir, 'databend');
  const args = [
    '-m',
    'dbserver.server',
    '--host',
    '127.0.0.1',
    '--port',
    String(env.DATABEND_HTTP_PORT),
  ];
  if (existsSync(join(stateDir, 'databend-data')))
    args.push('--data-dir', join(stateDir, 'databend-data'));
  startDetached(stateDir, { name: 'databend', command: venvPython, args, cwd: stackDir });
  await waitFor(
    'databend',
    () => answers(`http://127.0.0.1:${env.DATABEND_HTTP_PORT}/v1/health`),
    120_000,
  );
}
