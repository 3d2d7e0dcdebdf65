// Bad configurations: `run` started with each, as an operator would; it must refuse, naming the field.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../src/config.js';
import type { BadInputCase } from './case.js';
import type { World } from './world.js';
import { configFile, spawnReplicator } from '../spawn-replicator.js';

type Tree = Record<string, unknown>;

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `run` with this configuration file (or path) and no other settings; kills it after `timeoutMs`. */
export function runWith(config: Tree | string, timeoutMs: number): Promise<RunResult> {
  const file = typeof config === 'string' ? config : configFile(config, 'bad-config-');
  return new Promise((resolve) => {
    const child = spawnReplicator(file, ['run'], {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A deep copy of the world's working configuration, changed by `edit`. */
function edited(config: Config, edit: (tree: Tree) => void): Tree {
  const tree = JSON.parse(JSON.stringify(config)) as Tree;
  edit(tree);
  return tree;
}

const section = (tree: Tree, name: string): Tree => tree[name] as Tree;

/** What an exit says: `config error: <first field named>`, `start-up fails`, or how it ran. */
export function verdictOf(result: RunResult): { outcome: string; line: string } {
  const configLine = /^ {2}(\S+?)(?: \(env \w+\))?: .*$/m.exec(result.output);
  if (result.code === 2 && configLine !== null)
    return { outcome: `config error: ${configLine[1]}`, line: configLine[0].trim() };
  const fileLine = /^cannot read config file .*$/m.exec(result.output);
  if (result.code === 2 && fileLine !== null)
    return { outcome: 'config error: BEND_REPLICATOR_CONFIG', line: fileLine[0] };
  const fatal = result.output.split('\n').find((l) => l.includes('"level":"fatal"'));
  if (fatal !== undefined) {
    const parsed = JSON.parse(fatal) as { msg?: string; err?: { message?: string } };
    return {
      outcome: `start-up fails (exit ${result.code})`,
      line: `${parsed.msg}: ${parsed.err?.message ?? ''}`.slice(0, 300),
    };
  }
  return {
    outcome: result.code === null ? 'still running' : `exit ${result.code}`,
    line: result.output.split('\n').slice(-3).join(' | ').slice(0, 300),
  };
}

function configCase(
  name: string,
  expected: string,
  sees: string,
  config: (world: World) => Tree | string,
  timeoutMs = 60_000,
): BadInputCase {
  return {
    kind: 'configuration',
    name,
    expected,
    sees,
    run: async (world) => {
      const result = await runWith(config(world), timeoutMs);
      const { outcome, line } = verdictOf(result);
      // A configuration error is its own counter: the exit code an orchestrator reports.
      return { outcome, line, counted: result.code !== null && result.code !== 0, problems: [] };
    },
  };
}

export const configCases: readonly BadInputCase[] = [
  configCase(
    'no Databend DSN',
    'config error: databend.dsn',
    'exit code 2 and `databend.dsn (env DATABEND_DSN): Invalid input: expected string, received undefined`',
    (w) => edited(w.config, (t) => delete section(t, 'databend').dsn),
  ),
  configCase(
    'a DSN that is not databend://',
    'config error: databend.dsn',
    'exit code 2 and `databend.dsn (env DATABEND_DSN): must be a databend:// DSN`',
    (w) => edited(w.config, (t) => (section(t, 'databend').dsn = 'mysql://root@localhost/db')),
  ),
  configCase(
    'a queue URL that is not a URL',
    'config error: sqs.queueUrl',
    'exit code 2 and `sqs.queueUrl (env SQS_QUEUE_URL): Invalid URL`',
    (w) => edited(w.config, (t) => (section(t, 'sqs').queueUrl = 'dms-events')),
  ),
  configCase(
    'a queue URL of a queue that does not exist',
    'start-up fails (exit 1)',
    'exit code 1 and the fatal line `start-up failed` naming `sqs.queueUrl` and the queue',
    (w) =>
      edited(w.config, (t) => {
        const sqs = section(t, 'sqs');
        sqs.queueUrl = String(sqs.queueUrl).replace(/[^/]+$/, 'no-such-queue');
      }),
  ),
  configCase(
    'a visibility heartbeat not shorter than the visibility timeout',
    'config error: sqs.visibilityHeartbeatSeconds',
    'exit code 2 and `sqs.visibilityHeartbeatSeconds: must be shorter than sqs.visibilityTimeoutSeconds (30)`',
    (w) => edited(w.config, (t) => (section(t, 'sqs').visibilityHeartbeatSeconds = 30)),
  ),
  configCase(
    'a stage name Databend cannot take',
    'config error: databend.stageName',
    'exit code 2 and `databend.stageName: letters, digits and underscores only (Databend cannot quote stage names)`',
    (w) => edited(w.config, (t) => (section(t, 'databend').stageName = 'dms-files')),
  ),
  configCase(
    'an option that does not exist (a typo)',
    'config error: batching',
    'exit code 2 and `batching: Unrecognized key: "maxFile"`',
    (w) => edited(w.config, (t) => (section(t, 'batching').maxFile = 10)),
  ),
  configCase(
    'an empty primary key',
    'config error: tables.byName.shop.customers.primaryKey',
    'exit code 2 and `tables.byName.shop.customers.primaryKey: Too small: expected array to have >=1 items`',
    (w) =>
      edited(w.config, (t) => {
        (section(section(t, 'tables'), 'byName') as Record<string, unknown>)['shop.customers'] = {
          primaryKey: [],
        };
      }),
  ),
  configCase(
    'a configuration file that does not exist',
    'config error: BEND_REPLICATOR_CONFIG',
    'exit code 2 and `cannot read config file <path>: ENOENT …`',
    () => join(tmpdir(), 'no-such-dir', 'config.yaml'),
  ),
  configCase(
    'Databend unreachable at start-up',
    'start-up fails (exit 1)',
    'exit code 1 and the fatal line `start-up failed` with the connection error; the orchestrator restarts it',
    (w) =>
      edited(w.config, (t) => {
        section(t, 'databend').dsn = 'databend://root:@127.0.0.1:9/?sslmode=disable&retry_count=0';
      }),
    120_000,
  ),
];
