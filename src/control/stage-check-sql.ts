/**
 * Checking that Databend can read the bucket through a stage, for `validate`: a throw-away stage
 * with the configured connection lists one path. The live stage is left alone (a running service
 * uses it).
 */
import { quoteString } from '../databend/quote.js';
import { stageName } from '../databend/quote.js';

/** At most one object under `path` (a key, or a prefix ending in `/`), as Databend lists it. */
export function listStagePathSql(stage: string, path: string): string {
  return `SELECT name FROM list_stage(location => ${quoteString(`@${stageName(stage)}/${path}`)}) LIMIT 1`;
}

export function dropStageSql(stage: string): string {
  return `DROP STAGE IF EXISTS ${stageName(stage)}`;
}
