/**
 * How the environment reaches the configuration: variables that override a path, the AWS SDK's
 * variables that only fill gaps the file left, and `_FILE` variants that read a secret from a file.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type Tree = Record<string, unknown>;

/** Environment variables that override a config path; `_FILE` variants read a secret from a file. */
export const ENV_OVERRIDES: readonly [
  string,
  readonly string[],
  'string' | 'number' | 'boolean',
][] = [
  ['DATABEND_DSN', ['databend', 'dsn'], 'string'],
  ['S3_BUCKET', ['s3', 'bucket'], 'string'],
  ['S3_BUCKET_FOLDER', ['s3', 'bucketFolder'], 'string'],
  ['S3_FORCE_PATH_STYLE', ['s3', 'forcePathStyle'], 'boolean'],
  ['SQS_QUEUE_URL', ['sqs', 'queueUrl'], 'string'],
  ['BEND_REPLICATOR_HTTP_PORT', ['http', 'port'], 'number'],
  ['LOG_LEVEL', ['log', 'level'], 'string'],
  // Carries the source's password: a secret, like the DSN.
  ['RECONCILE_SOURCE_URL', ['reconcile', 'sourceUrl'], 'string'],
  // The read-only credentials of the Databend stage: secrets, so they may come from the
  // environment or a mounted file instead of the config file.
  ['DATABEND_STAGE_ACCESS_KEY_ID', ['databend', 'stageConnection', 'access_key_id'], 'string'],
  [
    'DATABEND_STAGE_SECRET_ACCESS_KEY',
    ['databend', 'stageConnection', 'secret_access_key'],
    'string',
  ],
  ['DATABEND_STAGE_ROLE_ARN', ['databend', 'stageConnection', 'role_arn'], 'string'],
  // Where Databend reaches the bucket when it is not AWS S3 (the local stack's port varies).
  ['DATABEND_STAGE_ENDPOINT_URL', ['databend', 'stageConnection', 'endpoint_url'], 'string'],
  ['DATABEND_STAGE_REGION', ['databend', 'stageConnection', 'region'], 'string'],
];

/**
 * The AWS SDK's own variables, which platforms set for every process (ECS and EKS inject
 * AWS_REGION): defaults only. A value in the file wins over them, so a bucket region written in
 * the file is never replaced silently; the first variable set, in this order, fills a gap.
 */
export const ENV_DEFAULTS: readonly [readonly string[], readonly string[]][] = [
  [
    ['s3', 'region'],
    ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  ],
  [
    ['s3', 'endpoint'],
    ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
  ],
  [
    ['sqs', 'endpoint'],
    ['AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL'],
  ],
];

export function getPath(tree: Tree, path: readonly string[]): unknown {
  let node: unknown = tree;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

export function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    node[part] = typeof next === 'object' && next !== null ? next : {};
    node = node[part] as Tree;
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

export function envValue(env: Env, name: string): string | undefined {
  const fromFile = env[`${name}_FILE`];
  if (fromFile !== undefined && fromFile !== '') {
    try {
      return readFileSync(fromFile, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`${name}_FILE: cannot read ${fromFile}: ${(error as Error).message}`);
    }
  }
  const direct = env[name];
  return direct === undefined || direct === '' ? undefined : direct;
}

export function convert(name: string, raw: string, kind: 'string' | 'number' | 'boolean'): unknown {
  if (kind === 'string') return raw;
  if (kind === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError(`${name}: expected true or false, got "${raw}"`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(`${name}: expected a number, got "${raw}"`);
  return value;
}
