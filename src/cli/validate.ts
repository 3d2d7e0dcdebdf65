/**
 * `validate`: is everything the service needs there and set up? The configuration, Databend,
 * the queue and its redrive policy (and dead-letter queue), the bucket, the bucket's
 * notifications to the queue, and Databend's access to the bucket through a stage. Prints one
 * line per check; exits 1 when any failed. Changes nothing, but for a throw-away stage.
 */
import {
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NotFound,
} from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { ConfigError, type Config } from '../config.js';
import { checkServerVersion } from '../databend/server-version.js';
import { cronProblem } from '../lifecycle/retention-cron.js';
import { dropStageSql, listStagePathSql } from '../control/stage-check-sql.js';
import { createStageSql } from '../control/stage-sql.js';
import { BucketLister } from '../ingest/bucket-lister.js';
import { listTableFolders } from '../ingest/table-folders.js';
import { collisionMessage, findCollisions } from '../ingest/target-collisions.js';
import { withOperatorContext, type OperatorContext } from './operator-context.js';
import { queueFacts, queueUrlOfArn } from './queue-info.js';
import { checkNotifications } from './validate-notifications.js';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Above databend-driver's own login retries (2 × 10 s) so its error, not ours, is shown. */
const CHECK_TIMEOUT_MS = 30_000;

export function validateCommand(config: () => Config): Command {
  return new Command('validate')
    .description(
      'check the configuration, Databend, the queue and its redrive policy, the bucket, its ' +
        'notifications and the stage; exit 1 if any check fails',
    )
    .action(async () => {
      const results = await validate(config);
      for (const line of formatChecks(results)) process.stdout.write(`${line}\n`);
      if (results.some((r) => !r.ok)) process.exitCode = 1;
    });
}

export function formatChecks(results: readonly CheckResult[]): string[] {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map(
    (r) => `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(width)}  ${r.detail}`,
  );
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed === 0 ? 'all checks passed' : `${failed} of ${results.length} checks failed`);
  return lines;
}

export async function validate(loadConfig: () => Config): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const detail = error.message
      .replace(/^invalid configuration:\n\s*/, '')
      .replace(/\n\s*/g, '; ');
    return [{ name: 'config', ok: false, detail }];
  }
  // '' switches a schedule off.
  const cronProblems = [
    ['retention.cron', config.retention.cron],
    ['maintenance.compactCron', config.maintenance.compactCron],
  ]
    .map(([field, cron]) => [field, cron === '' ? undefined : cronProblem(cron ?? '')])
    .filter(([, problem]) => problem !== undefined);
  const results: CheckResult[] = [
    cronProblems.length === 0
      ? { name: 'config', ok: true, detail: configSummary(config) }
      : {
          name: 'config',
          ok: false,
          detail: cronProblems.map(([field, problem]) => `${field}: ${problem}`).join('; '),
        },
  ];
  await withOperatorContext(config, async (context) => {
    const run = async (name: string, check: () => Promise<string>): Promise<boolean> => {
      const result = await runCheck(name, check);
      results.push(result);
      return result.ok;
    };
    const databendOk = await run('databend', () => checkDatabend(context));
    let queueArn: string | undefined;
    await run('queue', async () => {
      const facts = await queueFacts(context.sqs, config.sqs.queueUrl);
      queueArn = facts.arn;
      if (facts.redrive === undefined)
        throw new Error(
          `${facts.arn} has ${facts.redriveText === undefined ? 'no' : 'an unreadable'} redrive policy: ` +
            'a poison message would be received forever; give it a dead-letter queue',
        );
      return (
        `${facts.arn}; maxReceiveCount ${facts.redrive.maxReceiveCount}, ` +
        `dead-letter queue ${facts.redrive.deadLetterTargetArn}`
      );
    });
    await run('dead-letter queue', async () => {
      const facts = await queueFacts(context.sqs, config.sqs.queueUrl);
      if (facts.redrive === undefined) throw new Error('none configured (see the queue check)');
      const url = await queueUrlOfArn(context.sqs, facts.redrive.deadLetterTargetArn);
      const dlq = await queueFacts(context.sqs, url);
      return `${url} answers; ${dlq.waiting + dlq.inFlight + dlq.delayed} message(s) in it`;
    });
    const bucketOk = await run('bucket', async () => {
      try {
        await context.s3.send(new HeadBucketCommand({ Bucket: config.s3.bucket }));
      } catch (error) {
        // HEAD responses have no body, so the SDK cannot say more than the status.
        if (error instanceof NotFound)
          throw new Error(`s3://${config.s3.bucket} does not exist`, { cause: error });
        throw error;
      }
      return `s3://${config.s3.bucket} answers`;
    });
    await run('notifications', async () => {
      if (!bucketOk) throw new Error('cannot check: the bucket did not answer');
      if (queueArn === undefined) throw new Error("cannot check: the queue's ARN is unknown");
      const conf = await context.s3.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: config.s3.bucket }),
      );
      const verdict = checkNotifications(conf, queueArn, config.s3.bucketFolder);
      if (!verdict.ok) throw new Error(verdict.detail);
      return verdict.detail;
    });
    await run('targets', async () => {
      if (!bucketOk) throw new Error('cannot check: the bucket did not answer');
      const folders = await listTableFolders(
        new BucketLister(context.s3, config.s3.bucket),
        config.s3.bucketFolder,
      );
      const collisions = findCollisions(config.tables, folders);
      if (collisions.length > 0)
        throw new Error(
          collisions
            .map((c) =>
              collisionMessage(config.tables, c.target, c.sources[0] ?? '', c.sources[1] ?? ''),
            )
            .join('; '),
        );
      return `${folders.length} table folder(s), each its own Databend table`;
    });
    await run('stage', async () => {
      if (!databendOk) throw new Error('cannot check: Databend did not answer');
      if (!bucketOk) throw new Error('cannot check: the bucket did not answer');
      return checkStage(context);
    });
  });
  return results;
}

function configSummary(config: Config): string {
  const { databend, tables } = config;
  const keyed = Object.values(tables.byName).filter((t) => t.primaryKey !== undefined).length;
  return (
    `raw ${databend.rawDatabase}, ods ${databend.odsDatabase}, control ${databend.controlDatabase}; ` +
    `${keyed} table setting(s) with a key` +
    (tables.defaultPrimaryKey === undefined
      ? ''
      : `, default key ${tables.defaultPrimaryKey.join(', ')}`) +
    `; retention ${config.retention.rawDays} days at "${config.retention.cron}"`
  );
}

async function checkDatabend({ pool, config }: OperatorContext): Promise<string> {
  const verdict = await pool.with((s) => checkServerVersion(s));
  const host =
    /@([^/?]+)/.exec(config.databend.dsn)?.[1] ?? /\/\/([^/?]+)/.exec(config.databend.dsn)?.[1];
  return `${verdict.detail} at ${host ?? '?'}`;
}

/**
 * A throw-away stage with the configured connection lists one object this process sees in the
 * bucket (or, in an empty bucket, the DMS folder): Databend reaches the same bucket with its own
 * credentials. Listing one key keeps the check cheap in a bucket of millions of files.
 */
async function checkStage({ pool, s3, config }: OperatorContext): Promise<string> {
  const { bucket, bucketFolder } = config.s3;
  const folder = bucketFolder.replace(/^\/+|\/+$/g, '');
  const listed = await s3.send(
    new ListObjectsV2Command({
      Bucket: bucket,
      MaxKeys: 1,
      ...(folder === '' ? {} : { Prefix: `${folder}/` }),
    }),
  );
  const key = listed.Contents?.[0]?.Key;
  const stage = `${config.databend.stageName}_validate`;
  return pool.with(async (session) => {
    await session.exec(createStageSql(stage, bucket, config.databend.stageConnection));
    try {
      const path = key ?? (folder === '' ? '' : `${folder}/`);
      const rows = await session.query(listStagePathSql(stage, path));
      if (key === undefined) return `Databend lists s3://${bucket}/${path} (empty so far)`;
      if (rows[0]?.name !== key)
        throw new Error(
          `Databend does not see s3://${bucket}/${key}, which this process sees: is the stage's endpoint or bucket another one?`,
        );
      return `Databend reads s3://${bucket}/ (it lists ${key})`;
    } finally {
      await session.exec(dropStageSql(stage));
    }
  });
}

async function runCheck(name: string, check: () => Promise<string>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return { name, ok: true, detail: await Promise.race([check(), timeout]) };
  } catch (error) {
    return { name, ok: false, detail: errorSummary(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** One line: the message's first line, and the underlying cause Databend puts under `Source:`. */
export function errorSummary(error: unknown): string {
  const err = error instanceof Error ? error : new Error(String(error));
  const name = err.name !== 'Error' && !err.message.includes(err.name) ? `${err.name}: ` : '';
  const lines = err.message.split('\n').map((l) => l.trim());
  const source = lines.findIndex((l) => l === 'Source:');
  const cause = source === -1 ? undefined : lines[source + 1];
  const text = `${name}${lines[0] ?? ''}${cause === undefined ? '' : ` (${cause})`}`;
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}
