/**
 * Configuration: one schema, read from a file (`--config` or BEND_REPLICATOR_CONFIG, JSON or YAML)
 * and then environment overrides, validated once at start-up. Errors name the field. Secrets may come from
 * the environment or from files (`DATABEND_DSN_FILE`), never only from the config file.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  convert,
  ENV_DEFAULTS,
  ENV_OVERRIDES,
  envValue,
  getPath,
  setPath,
  type Env,
  type Tree,
} from './config-env.js';
import { ConfigError } from './config-error.js';
import { COLUMN_TYPE_OVERRIDES } from './schema/type-map.js';

const identifier = z.string().min(1).max(255);
const columnList = z.array(identifier).min(1);

const tableSettings = z.strictObject({
  /** Primary-key columns, in order. */
  primaryKey: columnList.optional(),
  /** Column type choices Parquet cannot express, e.g. MySQL JSON (UTF8 in Parquet) as VARIANT. */
  columnTypes: z.record(identifier, z.enum(COLUMN_TYPE_OVERRIDES)).default({}),
  /** The Databend table name in raw and ODS; default `<table>` (or `<schema>_<table>`, see naming). */
  targetName: identifier.optional(),
});
export type TableSettings = z.infer<typeof tableSettings>;

const schema = z
  .strictObject({
    databend: z
      .strictObject({
        dsn: z.string().regex(/^databend(\+https?)?:\/\//, 'must be a databend:// DSN'),
        rawDatabase: identifier.default('raw'),
        odsDatabase: identifier.default('ods'),
        controlDatabase: identifier.default('bend_replicator'),
        /** The external stage over the DMS bucket that COPY reads from. */
        stageName: z
          .string()
          .regex(
            /^[A-Za-z_][A-Za-z0-9_]*$/,
            'letters, digits and underscores only (Databend cannot quote stage names)',
          )
          .default('dms_files'),
        /**
         * Most one statement (or a login) may take before its session is dropped and its batch
         * retried: a silent server or half-open connection must not hold a table for ever.
         */
        statementTimeoutMs: z.number().int().min(1_000).default(900_000),
        /** Credentials the stage uses to read the bucket (Databend reads S3, not this process). */
        stageConnection: z.record(z.string(), z.string()).default({}),
      })
      .strict(),
    s3: z.strictObject({
      bucket: z.string().min(3),
      /** DMS BucketFolder: the key prefix before `<schema>/<table>/`, '' for none. */
      bucketFolder: z.string().default(''),
      region: z.string().min(1),
      endpoint: z.url().optional(),
      forcePathStyle: z.boolean().default(false),
    }),
    sqs: z.strictObject({
      queueUrl: z.url(),
      /** Default: the region in an AWS queue URL, else s3.region. */
      region: z.string().min(1).optional(),
      /** SQS's own endpoint (never s3.endpoint: an S3 PrivateLink endpoint does not serve SQS). */
      endpoint: z.url().optional(),
      waitTimeSeconds: z.number().int().min(0).max(20).default(20),
      maxMessagesPerReceive: z.number().int().min(1).max(10).default(10),
      visibilityTimeoutSeconds: z.number().int().min(10).max(43_200).default(300),
      visibilityHeartbeatSeconds: z.number().int().min(1).default(60),
      retryBackoffSeconds: z.number().int().min(1).max(43_200).default(30),
      /** Messages received and not yet acknowledged; polling waits below this. */
      maxInFlightMessages: z.number().int().min(1).default(2_000),
    }),
    dms: z.strictObject({
      /** TimestampColumnName of the DMS endpoint; null when the task adds none. */
      timestampColumn: identifier.nullable().default('_dms_ingestion_timestamp'),
      /** A transformation rule's `$AR_H_CHANGE_SEQ` column, used when files carry it. */
      sourceSeqColumn: identifier.default('AR_H_CHANGE_SEQ'),
      opColumn: identifier.default('Op'),
      /** Prefix of before-image key columns (add-before-image-columns). */
      beforeImagePrefix: z.string().default('BI_'),
      /** Warn (once per table) after this many CDC files without a delete; 0: never. */
      warnNoDeletesAfterCdcFiles: z.number().int().min(0).default(20),
    }),
    tables: z.strictObject({
      /** By `<schema>.<table>`; `*` matches any run of characters, e.g. `shop.*`. Exact names win. */
      byName: z.record(z.string().min(1), tableSettings).default({}),
      /** Key columns for tables that match no entry; unset means such tables load to raw only. */
      defaultPrimaryKey: columnList.optional(),
      /** `table` names Databend tables `<table>`; `schema_table` names them `<schema>_<table>`. */
      naming: z.enum(['table', 'schema_table']).default('table'),
    }),
    batching: z.strictObject({
      maxFiles: z.number().int().min(1).default(200),
      maxBytes: z
        .number()
        .int()
        .min(1)
        .default(2 * 1024 ** 3),
      maxWaitMs: z.number().int().min(0).default(50),
      /** While SQS receives come back full, a batch keeps collecting up to this much longer. */
      maxBacklogWaitMs: z.number().int().min(0).default(5_000),
      tableConcurrency: z.number().int().min(1).default(4),
      maxAttempts: z.number().int().min(1).default(5),
    }),
    poison: z.strictObject({
      /** `pause` stops the table at a bad file; `park` records the file and goes on. */
      mode: z.enum(['pause', 'park']).default('pause'),
    }),
    http: z.strictObject({
      /** `::` listens on every IPv4 and IPv6 address (IPv4 alone where the host has no IPv6). */
      host: z.string().default('::'),
      port: z.number().int().min(0).max(65_535).default(9464),
    }),
    retention: z.strictObject({
      rawDays: z.number().int().min(1).default(15),
      cron: z.string().default('0 3 * * *'),
    }),
    maintenance: z.strictObject({
      /**
       * When the active writer compacts the raw tables (five-field cron, process time zone);
       * their COPYs then leave compaction out of the batch. '': never, and the engine compacts
       * after each write, inside the batch, as it does by default.
       */
      compactCron: z.string().default('*/5 * * * *'),
    }),
    reconcile: z
      .strictObject({
        /** The MySQL source, `mysql://user:password@host:port/`: a user with SELECT only. */
        sourceUrl: z
          .string()
          .regex(/^mysql:\/\//, 'must be a mysql:// URL')
          .optional(),
        /** `<schema>.<table>` names to check; empty: every exact name under tables.byName. */
        tables: z.array(z.string().min(3)).default([]),
        chunkRows: z.number().int().min(1).default(10_000),
        /** Source rows read per second at most, over a whole run; 0: no limit. */
        maxRowsPerSecond: z.number().int().min(0).default(50_000),
        /** How long differing keys may wait for the service to pass them (changes in flight). */
        settleSeconds: z.number().int().min(0).default(60),
        /** When `run` reconciles (five-field cron, process time zone); '' (default): never. */
        cron: z.string().default(''),
      })
      // Optional as a whole: configurations written before it existed stay valid.
      .prefault({}),
    sweep: z.strictObject({
      intervalMinutes: z.number().min(0).default(10),
      graceSeconds: z.number().int().min(0).default(120),
    }),
    shutdown: z.strictObject({ deadlineMs: z.number().int().min(0).default(30_000) }),
    /**
     * While Databend or S3 does not answer, receiving pauses and the messages in hand are held;
     * the dependencies are probed with a doubling wait between these bounds.
     */
    outage: z
      .strictObject({
        probeBackoffMs: z.number().int().min(100).default(1_000),
        probeMaxBackoffMs: z.number().int().min(100).default(30_000),
      })
      .prefault({}),
    /**
     * `/healthz` fails when a part with work in hand (the event loop, the SQS poll loop, a
     * batch) made no progress for this long; the orchestrator then restarts the process.
     */
    liveness: z
      .strictObject({ stallTimeoutMs: z.number().int().min(1_000).default(1_200_000) })
      // Absent from trees written before it existed: the default.
      .prefault({}),
    /**
     * Replicas elect one active writer through a lease in the control database; the others stand
     * by and take over once it expires (docs/deployment.md, "Replicas and failover").
     */
    replicas: z
      .strictObject({
        /** How long a lease lasts without a renewal: the longest a crashed holder stalls loading. */
        leaseTtlMs: z.number().int().min(1_000).default(15_000),
        /** How often the holder renews and a standby looks at the lease. */
        renewIntervalMs: z.number().int().min(100).default(3_000),
      })
      // Absent from trees written before replicas existed (tests, benchmarks): the defaults.
      .prefault({}),
    log: z.strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    }),
  })
  .superRefine((config, ctx) => {
    if (config.replicas.renewIntervalMs * 2 > config.replicas.leaseTtlMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['replicas', 'renewIntervalMs'],
        message: `must be at most half of replicas.leaseTtlMs (${config.replicas.leaseTtlMs}), so one failed renewal does not lose the lease`,
      });
    }
    if (config.sqs.visibilityHeartbeatSeconds >= config.sqs.visibilityTimeoutSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['sqs', 'visibilityHeartbeatSeconds'],
        message: `must be shorter than sqs.visibilityTimeoutSeconds (${config.sqs.visibilityTimeoutSeconds})`,
      });
    }
  });

export type Config = z.infer<typeof schema>;

export { ConfigError } from './config-error.js';

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold an object`);
  }
  return parsed as Tree;
}

/** The configuration's sections: a file or tree may leave any of them out for its defaults. */
export const CONFIG_SECTIONS = [
  'databend',
  's3',
  'sqs',
  'dms',
  'tables',
  'batching',
  'poison',
  'http',
  'retention',
  'maintenance',
  'reconcile',
  'sweep',
  'shutdown',
  'outage',
  'liveness',
  'replicas',
  'log',
] as const;

/**
 * The raw tree: the file (`--config`, passed as `configFile`, else BEND_REPLICATOR_CONFIG), then
 * the environment's overrides, then the AWS SDK's variables where the file left a gap.
 */
export function configTree(env: Env, configFile?: string): Tree {
  const file = configFile ?? env.BEND_REPLICATOR_CONFIG;
  const tree: Tree = file === undefined || file === '' ? {} : readConfigFile(file);
  for (const section of CONFIG_SECTIONS) tree[section] ??= {};
  for (const [name, path, kind] of ENV_OVERRIDES) {
    const raw = envValue(env, name);
    if (raw !== undefined) setPath(tree, path, convert(name, raw, kind));
  }
  for (const [path, names] of ENV_DEFAULTS) {
    if (getPath(tree, path) !== undefined) continue;
    const raw = names.map((name) => envValue(env, name)).find((v) => v !== undefined);
    if (raw !== undefined) setPath(tree, path, raw);
  }
  return tree;
}

export function parseConfig(tree: unknown): Config {
  const result = schema.safeParse(tree);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    // Name the variable too: the bad value may have come from it, or it is how to supply one.
    const variable =
      ENV_OVERRIDES.find(([, envPath]) => envPath.join('.') === path)?.[0] ??
      ENV_DEFAULTS.find(([envPath]) => envPath.join('.') === path)?.[1].join(' or ');
    const field = variable === undefined ? path || '(root)' : `${path} (env ${variable})`;
    return `  ${field}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export function loadConfig(env: Env, configFile?: string): Config {
  return parseConfig(configTree(env, configFile));
}
