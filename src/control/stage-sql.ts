/**
 * The external stage COPY reads from: the DMS bucket's root, so metadata$filename is the full
 * object key (lineage and ledger keys agree). Re-created at start-up, so a changed endpoint or
 * credential takes effect.
 */
import { quoteString } from '../databend/quote.js';
import { stageName } from '../databend/quote.js';

const CONNECTION_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function createStageSql(
  name: string,
  bucket: string,
  connection: Readonly<Record<string, string>>,
): string {
  const options = Object.entries(connection).map(([key, value]) => {
    if (!CONNECTION_KEY.test(key))
      throw new Error(`stage connection option ${JSON.stringify(key)} is not a bare word`);
    return `${key.toUpperCase()} = ${quoteString(value)}`;
  });
  const withConnection = options.length === 0 ? '' : ` CONNECTION = (${options.join(' ')})`;
  return `CREATE OR REPLACE STAGE ${stageName(name)} URL = ${quoteString(`s3://${bucket}/`)}${withConnection}`;
}
