/**
 * Start-up DDL: the control tables, brought to this release's version, and the stage over the
 * DMS bucket.
 */
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import { migrateControlTables, type MigrationOutcome } from './migrate.js';
import { checkServerVersion } from '../databend/server-version.js';
import type { SessionPool } from '../databend/session-pool.js';
import { createStageSql } from './stage-sql.js';

export async function prepareDatabend(
  pool: SessionPool,
  config: Config,
  onStaleLock?: (holder: string | undefined, ageSeconds: number) => void,
): Promise<MigrationOutcome> {
  return pool.with(async (session) => {
    // Refuse an engine too old for the SQL below before any of it runs.
    await checkServerVersion(session);
    const outcome = await migrateControlTables(session, config.databend.controlDatabase, {
      holder: `${hostname()}:${process.pid}`,
      ...(onStaleLock === undefined ? {} : { onStaleLock }),
    });
    await session.exec(
      createStageSql(config.databend.stageName, config.s3.bucket, config.databend.stageConnection),
    );
    return outcome;
  });
}
