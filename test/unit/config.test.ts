import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { queueUrlRegion, sqsRegion } from '../../src/clients.js';
import { ConfigError, loadConfig, parseConfig } from '../../src/config.js';
import { redactedConfig } from '../../src/config-redaction.js';

/** The options with no default: what any environment must supply. */
const REQUIRED = {
  DATABEND_DSN: 'databend://root:s3cret@127.0.0.1:8000/?sslmode=disable',
  S3_BUCKET: 'dms-bucket',
  AWS_REGION: 'us-east-1',
  SQS_QUEUE_URL: 'http://127.0.0.1:5000/123456789012/dms-events',
};

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
let files = 0;
function file(contents: string, extension = 'yaml'): string {
  const path = join(dir, `f${files++}.${extension}`);
  writeFileSync(path, contents);
  return path;
}

/** Loads with the required variables plus a config file holding `yaml`. */
function loadWith(yaml: string, env: Record<string, string> = {}) {
  return loadConfig({ ...REQUIRED, BEND_REPLICATOR_CONFIG: file(yaml), ...env });
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

describe('configuration files', () => {
  it('documents in config/default.yaml exactly the defaults the code applies', () => {
    const fromFile = loadConfig({ ...REQUIRED, BEND_REPLICATOR_CONFIG: 'config/default.yaml' });
    expect(fromFile).toEqual(loadConfig(REQUIRED));
  });

  it('mentions every option in config/default.yaml', () => {
    const text = readFileSync('config/default.yaml', 'utf8');
    // Options without a default appear commented out; take them as if they were set.
    const uncommented = parseYaml(text.replace(/^(\s*)# (\w+):(?=\s|$)/gm, '$1$2:')) as object;
    const documented = new Set(leafPaths(uncommented));
    for (const path of leafPaths(loadConfig(REQUIRED)))
      expect(documented, `${path} is not in config/default.yaml`).toContain(path);
  });

  it('loads the local-stack example with the variables .stack/env provides', () => {
    const config = loadConfig({
      ...REQUIRED,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      DATABEND_STAGE_ENDPOINT_URL: 'http://127.0.0.1:4566',
      BEND_REPLICATOR_CONFIG: 'config/example-local.yaml',
    });
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:4566', forcePathStyle: true });
    expect(config.sqs.endpoint).toBe('http://127.0.0.1:4566');
    expect(config.databend.stageConnection.endpoint_url).toBe('http://127.0.0.1:4566');
  });

  it('loads the AWS example with only the DSN from the environment', () => {
    const config = loadConfig({
      DATABEND_DSN: REQUIRED.DATABEND_DSN,
      BEND_REPLICATOR_CONFIG: 'config/example-aws.yaml',
    });
    expect(config.tables.byName['shop.order_items']?.primaryKey).toEqual(['order_id', 'line_no']);
    expect(config.shutdown.deadlineMs).toBe(30_000);
  });

  it('reads JSON config files too', () => {
    const path = file(JSON.stringify({ log: { level: 'debug' } }), 'json');
    expect(loadConfig({ ...REQUIRED, BEND_REPLICATOR_CONFIG: path }).log.level).toBe('debug');
  });

  it('names the file when it cannot be read or parsed or is not an object', () => {
    expect(
      errorOf(() => loadConfig({ ...REQUIRED, BEND_REPLICATOR_CONFIG: '/nonexistent.yaml' })),
    ).toMatch(/cannot read config file \/nonexistent\.yaml/);
    const broken = file('sqs: [unclosed');
    expect(errorOf(() => loadConfig({ ...REQUIRED, BEND_REPLICATOR_CONFIG: broken }))).toContain(
      `config file ${broken} is not valid`,
    );
    const json = file('{ "log": ', 'json');
    expect(errorOf(() => loadConfig({ ...REQUIRED, BEND_REPLICATOR_CONFIG: json }))).toContain(
      json,
    );
    expect(errorOf(() => loadWith('- a list'))).toMatch(/must hold an object/);
  });
});

describe('validation', () => {
  it('names each missing required option and the variable that can supply it', () => {
    const message = errorOf(() => loadConfig({}));
    expect(message).toContain('databend.dsn (env DATABEND_DSN)');
    expect(message).toContain('s3.bucket (env S3_BUCKET)');
    expect(message).toContain('s3.region (env AWS_REGION or AWS_DEFAULT_REGION)');
    expect(message).toContain('sqs.queueUrl (env SQS_QUEUE_URL)');
  });

  it.each([
    ['a DSN of another scheme', { DATABEND_DSN: 'mysql://u@h/db' }, 'databend.dsn'],
    ['an unknown log level', { LOG_LEVEL: 'verbose' }, 'log.level (env LOG_LEVEL)'],
    [
      'a port that is not a number',
      { BEND_REPLICATOR_HTTP_PORT: 'ninety' },
      'BEND_REPLICATOR_HTTP_PORT',
    ],
    ['a port out of range', { BEND_REPLICATOR_HTTP_PORT: '70000' }, 'http.port'],
    ['a boolean that is not one', { S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE'],
    ['a queue URL that is not a URL', { SQS_QUEUE_URL: 'dms-events' }, 'sqs.queueUrl'],
  ])('rejects %s, naming the field', (_what, env, field) => {
    expect(errorOf(() => loadConfig({ ...REQUIRED, ...env }))).toContain(field);
  });

  it.each([
    ['a misspelt option', 'sqs:\n  visibilityTimeout: 60\n', 'sqs', 'visibilityTimeout'],
    ['an unknown section', 'batches:\n  maxFiles: 3\n', '(root)', 'batches'],
    [
      'a heartbeat not shorter than the visibility timeout',
      'sqs:\n  visibilityTimeoutSeconds: 60\n  visibilityHeartbeatSeconds: 60\n',
      'sqs.visibilityHeartbeatSeconds',
      'shorter than sqs.visibilityTimeoutSeconds (60)',
    ],
    ['a fractional batch size', 'batching:\n  maxFiles: 2.5\n', 'batching.maxFiles', 'int'],
    ['a long-poll wait over 20 s', 'sqs:\n  waitTimeSeconds: 30\n', 'sqs.waitTimeSeconds', '20'],
    ['an unknown poison mode', 'poison:\n  mode: skip\n', 'poison.mode', 'pause'],
    [
      'an empty primary key',
      'tables:\n  byName:\n    shop.orders:\n      primaryKey: []\n',
      'tables.byName.shop.orders.primaryKey',
      '',
    ],
    [
      'a column type Parquet cannot need',
      'tables:\n  byName:\n    shop.orders:\n      columnTypes: { a: BLOB }\n',
      'tables.byName.shop.orders.columnTypes.a',
      '',
    ],
    [
      'a stage name Databend cannot hold',
      'databend:\n  stageName: dms-files\n',
      'databend.stageName',
      '',
    ],
    ['a negative shutdown deadline', 'shutdown:\n  deadlineMs: -1\n', 'shutdown.deadlineMs', ''],
  ])('rejects %s, naming the field', (_what, yaml, field, detail) => {
    const message = errorOf(() => loadWith(yaml));
    expect(message).toContain(`  ${field}`);
    expect(message).toContain(detail);
  });

  it('parses a tree given directly, applying defaults', () => {
    const config = parseConfig({
      databend: { dsn: REQUIRED.DATABEND_DSN },
      s3: { bucket: 'b-1', region: 'eu-west-1' },
      sqs: { queueUrl: REQUIRED.SQS_QUEUE_URL },
      dms: {},
      tables: {},
      batching: {},
      poison: {},
      http: {},
      retention: {},
      maintenance: {},
      sweep: {},
      shutdown: {},
      replicas: {},
      log: {},
    });
    expect(config.batching.maxFiles).toBe(200);
    expect(config.http.port).toBe(9464);
    expect(config.retention).toEqual({ rawDays: 15, cron: '0 3 * * *' });
  });
});

describe('environment overrides', () => {
  it('let the environment win over the file', () => {
    const config = loadWith(
      'http:\n  port: 8000\nlog:\n  level: warn\ns3:\n  bucket: from-file\n',
      {
        BEND_REPLICATOR_HTTP_PORT: '9100',
        LOG_LEVEL: 'debug',
      },
    );
    expect(config.http.port).toBe(9100);
    expect(config.log.level).toBe('debug');
    expect(config.s3.bucket).toBe(REQUIRED.S3_BUCKET);
  });

  it('ignore empty variables rather than setting empty values', () => {
    const config = loadWith('s3:\n  bucketFolder: dms\n', { S3_BUCKET_FOLDER: '' });
    expect(config.s3.bucketFolder).toBe('dms');
  });

  it('convert booleans and numbers', () => {
    const config = loadConfig({
      ...REQUIRED,
      S3_FORCE_PATH_STYLE: '1',
      BEND_REPLICATOR_HTTP_PORT: '0',
    });
    expect(config.s3.forcePathStyle).toBe(true);
    expect(config.http.port).toBe(0);
  });

  it('fill the stage connection next to what the file gives', () => {
    const config = loadWith('databend:\n  stageConnection:\n    region: eu-west-1\n', {
      DATABEND_STAGE_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      DATABEND_STAGE_SECRET_ACCESS_KEY: 'wJalr',
    });
    expect(config.databend.stageConnection).toEqual({
      region: 'eu-west-1',
      access_key_id: 'AKIAEXAMPLE',
      secret_access_key: 'wJalr',
    });
  });
});

describe('secrets from files', () => {
  it('read NAME_FILE, trimmed, in preference to NAME', () => {
    const dsnFile = file('databend://svc:from-file@db:8000/\n', 'txt');
    const config = loadConfig({ ...REQUIRED, DATABEND_DSN_FILE: dsnFile });
    expect(config.databend.dsn).toBe('databend://svc:from-file@db:8000/');
  });

  it('read the stage secret from a file', () => {
    const secretFile = file('  wJalrXUtnFEMI  \n', 'txt');
    const config = loadConfig({ ...REQUIRED, DATABEND_STAGE_SECRET_ACCESS_KEY_FILE: secretFile });
    expect(config.databend.stageConnection.secret_access_key).toBe('wJalrXUtnFEMI');
  });

  it('name the variable when its file cannot be read', () => {
    const message = errorOf(() =>
      loadConfig({ ...REQUIRED, DATABEND_DSN_FILE: '/run/secrets/absent' }),
    );
    expect(message).toContain('DATABEND_DSN_FILE');
    expect(message).toContain('/run/secrets/absent');
  });
});

describe('redactedConfig', () => {
  it('hides the DSN password, secret DSN parameters and stage credentials', () => {
    const config = loadWith(
      'databend:\n  stageConnection:\n    access_key_id: AKIA\n    secret_access_key: wJalr\n    session_token: tok\n    region: eu-west-1\n',
      { DATABEND_DSN: 'databend://svc:p%40ss@db:443/?warehouse=wh&access_token=abc' },
    );
    const text = JSON.stringify(redactedConfig(config));
    for (const secret of ['p%40ss', 'wJalr', 'tok"', 'abc', 'AKIA'])
      expect(text).not.toContain(secret);
    expect(text).toContain('databend://svc:***@db:443/?warehouse=wh&access_token=***');
    expect(text).toContain('"region":"eu-west-1"');
  });

  it('leaves the configuration itself untouched', () => {
    const config = loadConfig(REQUIRED);
    redactedConfig(config);
    expect(config.databend.dsn).toBe(REQUIRED.DATABEND_DSN);
  });

  it('keeps a DSN without a password as it is', () => {
    const config = loadConfig({ ...REQUIRED, DATABEND_DSN: 'databend://root:@127.0.0.1:8000/' });
    expect(redactedConfig(config)).toMatchObject({
      databend: { dsn: 'databend://root:***@127.0.0.1:8000/' },
    });
  });
});

describe('precedence of regions and endpoints', () => {
  const AWS_QUEUE = 'https://sqs.ap-south-1.amazonaws.com/123456789012/dms-events';

  it('keeps a region set in the file when AWS_REGION says another (ECS and EKS inject it)', () => {
    const config = loadWith('s3:\n  region: eu-west-1\n', { AWS_REGION: 'us-east-1' });
    expect(config.s3.region).toBe('eu-west-1');
  });

  it('takes AWS_REGION, then AWS_DEFAULT_REGION, when the file names no region', () => {
    expect(loadWith('log: {}\n', { AWS_REGION: 'us-west-2' }).s3.region).toBe('us-west-2');
    const config = loadConfig({
      ...REQUIRED,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: 'ca-central-1',
      BEND_REPLICATOR_CONFIG: file('log: {}\n'),
    });
    expect(config.s3.region).toBe('ca-central-1');
  });

  it('gives SQS its own endpoint and never uses s3.endpoint for it', () => {
    const config = loadWith(
      's3:\n  endpoint: https://bucket.vpce-1.s3.eu-west-1.vpce.amazonaws.com\n',
    );
    expect(config.s3.endpoint).toBe('https://bucket.vpce-1.s3.eu-west-1.vpce.amazonaws.com');
    expect(config.sqs.endpoint).toBeUndefined();
  });

  it('fills endpoints from the service-specific variable, then AWS_ENDPOINT_URL, after the file', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://generic:1',
      AWS_ENDPOINT_URL_SQS: 'http://sqs-only:2',
    };
    const fromEnv = loadWith('log: {}\n', env);
    expect(fromEnv.s3.endpoint).toBe('http://generic:1');
    expect(fromEnv.sqs.endpoint).toBe('http://sqs-only:2');
    const fromFile = loadWith('sqs:\n  endpoint: http://file:3\n', env);
    expect(fromFile.sqs.endpoint).toBe('http://file:3');
  });

  it("runs SQS in sqs.region, else the queue URL's region, else the bucket's", () => {
    expect(queueUrlRegion(AWS_QUEUE)).toBe('ap-south-1');
    expect(queueUrlRegion('https://eu-west-1.queue.amazonaws.com/1/q')).toBe('eu-west-1');
    expect(queueUrlRegion('http://127.0.0.1:5000/1/q')).toBeUndefined();
    const base = loadWith('s3:\n  region: eu-west-1\n', { SQS_QUEUE_URL: AWS_QUEUE });
    expect(sqsRegion(base)).toBe('ap-south-1');
    expect(sqsRegion({ ...base, sqs: { ...base.sqs, region: 'us-east-2' } })).toBe('us-east-2');
    expect(sqsRegion(loadWith('s3:\n  region: eu-west-1\n'))).toBe('eu-west-1');
  });

  it('reads the file --config names instead of BEND_REPLICATOR_CONFIG', () => {
    const config = loadConfig(
      { ...REQUIRED, BEND_REPLICATOR_CONFIG: file('log:\n  level: warn\n') },
      file('log:\n  level: debug\n'),
    );
    expect(config.log.level).toBe('debug');
  });
});
