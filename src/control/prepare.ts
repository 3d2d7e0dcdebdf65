/** Start-up DDL: the control database (ledger, table state) and the stage over the DMS bucket. */
import type { Config } from '../config.js';
import type { SessionPool } from '../databend/session-pool.js';
import { createControlTablesSql } from './ledger-sql.js';
import { createStageSql } from './stage-sql.js';

export async function prepareDatabend(pool: SessionPool, config: Config): Promise<void> {
  await pool.with(async (session) => {
    for (const sql of createControlTablesSql(config.databend.controlDatabase))
      await session.exec(sql);
    await session.exec(
      createStageSql(config.databend.stageName, config.s3.bucket, config.databend.stageConnection),
    );
  });
}
