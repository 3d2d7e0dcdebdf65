// The GRANT script of docs/deployment.md ("Databend privileges") runs as written against the
// Databend engine, and the role ends up holding what the script grants. The local engine runs
// embedded without logins, so it records privileges but does not check them (docs say so).
import { readFileSync } from 'node:fs';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/databend/quote.js';
import { connect, uniqueName } from '../support/stack.js';

/** The SQL block under the heading, one statement per `;`, comments dropped. */
function documentedScript(): string[] {
  const doc = readFileSync('docs/deployment.md', 'utf8');
  const section = doc.slice(doc.indexOf('## Databend privileges'));
  const block = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined)
    throw new Error('docs/deployment.md: no SQL under "Databend privileges"');
  return block
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

let conn: Connection;
const names = {
  role: uniqueName('grants_role'),
  user: uniqueName('grants_user'),
  raw: uniqueName('grants_raw'),
  ods: uniqueName('grants_ods'),
  control: uniqueName('grants_control'),
  stage: uniqueName('grants_stage'),
};

/** The documented names replaced by this test's own, word by word. */
function withTestNames(statement: string): string {
  return statement
    .replace(/\bON raw\.\*/g, `ON ${quoteIdent(names.raw)}.*`)
    .replace(/\bON ods\.\*/g, `ON ${quoteIdent(names.ods)}.*`)
    .replace(/\bON bend_replicator\.\*/g, `ON ${quoteIdent(names.control)}.*`)
    .replace(/\bSTAGE dms_files\b/g, `STAGE ${names.stage}`)
    .replace(/\bROLE bend_replicator\b/g, `ROLE ${quoteIdent(names.role)}`)
    .replace(/DEFAULT_ROLE = 'bend_replicator'/g, `DEFAULT_ROLE = '${names.role}'`)
    .replace(/\bUSER bend_replicator\b/g, `USER ${quoteIdent(names.user)}`)
    .replace(/\bTO bend_replicator$/g, `TO ${quoteIdent(names.user)}`)
    .replace("IDENTIFIED BY '…'", "IDENTIFIED BY 'not-a-secret'");
}

beforeAll(async () => {
  conn = await connect();
  // What the service would have created: its databases and its stage.
  for (const db of [names.raw, names.ods, names.control])
    await conn.exec(`CREATE DATABASE ${quoteIdent(db)}`);
  await conn.exec(
    `CREATE STAGE ${names.stage} URL = 's3://grants/' CONNECTION = (REGION = 'us-east-1')`,
  );
});

afterAll(async () => {
  for (const db of [names.raw, names.ods, names.control])
    await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
  await conn.exec(`DROP STAGE IF EXISTS ${names.stage}`);
  await conn.exec(`DROP USER IF EXISTS ${quoteIdent(names.user)}`);
  await conn.exec(`DROP ROLE IF EXISTS ${quoteIdent(names.role)}`);
});

describe('Databend privileges of docs/deployment.md', () => {
  it('run as written and leave the role holding them', async () => {
    const script = documentedScript().map(withTestNames);
    expect(script.length).toBeGreaterThanOrEqual(8);
    // Every documented name was replaced: nothing of the script touches real objects.
    for (const statement of script)
      expect(statement).not.toMatch(/\bbend_replicator\b|dms_files|\braw\.|\bods\./);
    for (const statement of script) await conn.exec(statement);

    const shown = async (sql: string): Promise<string> =>
      (await conn.queryAll(sql)).map((row) => row.values().map(String).join(' ')).join('\n');
    const text = await shown(`SHOW GRANTS FOR ROLE ${quoteIdent(names.role)}`);
    expect(text).toContain('CREATE DATABASE');
    expect(text).toContain('SUPER');
    for (const db of [names.raw, names.ods, names.control]) expect(text).toContain(db);
    expect(text).toContain(names.stage);

    // The user holds the role's privileges through it.
    const user = await shown(`SHOW GRANTS FOR ${quoteIdent(names.user)}`);
    expect(user).toContain('CREATE DATABASE');
    expect(user).toContain(names.raw);
  });
});
