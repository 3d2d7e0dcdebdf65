import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { Client } from 'databend-driver';
import { loadEnvDefaults } from './cli-env.js';
import {
  addDeliveryOptions,
  addDmsOptions,
  addWorkloadOptions,
  dmsFromFlags,
  knobsFromFlags,
  workloadFromFlags,
  type DeliveryFlags,
  type DmsFlags,
  type WorkloadFlags,
} from './cli-options.js';
import { generate, type Generated } from './generate.js';
import { deliverFiles, s3ClientFor } from './s3/deliver.js';
import { formatDmsTimestamp } from './time.js';
import { compareOds } from './truth/compare-ods.js';
import { readTruthFile, writeTruthFile } from './truth/truth-file.js';

type GenerateFlags = WorkloadFlags & DmsFlags & { out?: string; truth?: string; python?: string };

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function generateInto(flags: GenerateFlags, outDir: string): Promise<Generated> {
  const generated = await generate(workloadFromFlags(flags), dmsFromFlags(flags), {
    outDir,
    ...(flags.python === undefined ? {} : { python: flags.python }),
  });
  const { simulation, written } = generated;
  const unit = simulation.settings.parquetTimestampInMillisecond ? 'millis' : 'micros';
  const truthPath = flags.truth ?? path.join(outDir, 'truth.json');
  await writeTruthFile(truthPath, simulation.truth, unit);
  const manifest = {
    settings: simulation.settings,
    taskStart: formatDmsTimestamp(simulation.taskStartAt),
    end: formatDmsTimestamp(simulation.endAt),
    files: written.map((w) => ({
      id: w.file.id,
      table: w.file.table,
      kind: w.file.kind,
      key: w.file.key,
      version: w.file.version,
      createdAt: formatDmsTimestamp(w.file.createdAt),
      rows: w.file.rows.length,
      path: w.path,
      bytes: w.bytes,
    })),
  };
  await writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const rows = written.reduce((n, w) => n + w.file.rows.length, 0);
  say(
    `${written.length} files (${rows} rows) under ${outDir}; ` +
      `${simulation.sourceChanges.length} source changes; truth in ${truthPath}`,
  );
  for (const [name, t] of simulation.truth) say(`  ${name}: ${t.rows.size} rows at the end`);
  return generated;
}

/** The `npm run sim` command line: generate, upload, compare. */
export function buildProgram(): Command {
  const program = new Command('sim')
    .description(
      'DMS simulator: a MySQL-like source whose changes land in S3 as AWS DMS writes them ' +
        '(Parquet full-load and CDC files), plus the source state they must converge to.',
    )
    .showHelpAfterError();

  const gen = new Command('generate')
    .description(
      'simulate the workload and write the DMS Parquet files, truth.json and manifest.json',
    )
    .requiredOption('--out <dir>', 'output directory (files under <dir>/v<version>/<object key>)')
    .option('--truth <file>', 'where to write the truth (default <out>/truth.json)')
    .option('--python <path>', 'Python with pyarrow (default stack/.venv/bin/python)');
  addDmsOptions(addWorkloadOptions(gen)).action(async (_opts, cmd: Command) => {
    const flags = cmd.opts<GenerateFlags>();
    await generateInto(flags, flags.out ?? '.');
  });

  const upload = new Command('upload')
    .description(
      'generate, then put the files into the bucket (its notifications fire) with delivery knobs',
    )
    .option('--out <dir>', 'where the files are written first (default: a new temporary directory)')
    .option('--truth <file>', 'where to write the truth (default <out>/truth.json)')
    .option('--python <path>', 'Python with pyarrow (default stack/.venv/bin/python)')
    .option('--stack-env <file>', 'KEY=value file with AWS_ENDPOINT_URL, S3_BUCKET…', '.stack/env');
  addDeliveryOptions(addDmsOptions(addWorkloadOptions(upload))).action(
    async (_opts, cmd: Command) => {
      const flags = cmd.opts<GenerateFlags & DeliveryFlags & { stackEnv: string }>();
      const env = loadEnvDefaults(flags.stackEnv, process.env);
      const bucket = flags.bucket ?? env.S3_BUCKET;
      if (bucket === undefined) throw new Error('No bucket: pass --bucket or set S3_BUCKET');
      const endpoint = flags.endpoint ?? env.AWS_ENDPOINT_URL;
      const outDir = flags.out ?? (await mkdtemp(path.join(tmpdir(), 'dms-sim-')));
      const { written } = await generateInto(flags, outDir);
      const client = s3ClientFor({
        ...(endpoint === undefined ? {} : { endpoint }),
        region: flags.region ?? env.AWS_REGION ?? 'us-east-1',
        accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
        bucket,
      });
      const puts = await deliverFiles(written, {
        ...knobsFromFlags(flags, flags.seed),
        client,
        bucket,
      });
      client.destroy();
      const duplicates = puts.filter((p) => p.duplicate).length;
      say(`put ${puts.length} objects into s3://${bucket} (${duplicates} duplicates)`);
    },
  );

  const compare = new Command('compare')
    .description('compare Databend ODS tables with a truth file; exit 1 when they differ')
    .requiredOption('--truth <file>', 'truth.json written by generate or upload')
    .option(
      '--dsn <dsn>',
      'databend-driver DSN (default: DATABEND_DSN from the environment or --stack-env)',
    )
    .option('--database <name>', 'database of the ODS tables', 'ods')
    .option(
      '--deleted-column <name>',
      'tombstone column; rows with it false are live',
      'is_deleted',
    )
    .option('--stack-env <file>', 'KEY=value file with DATABEND_DSN', '.stack/env')
    .action(async (_opts, cmd: Command) => {
      const flags = cmd.opts<{
        truth: string;
        dsn?: string;
        database: string;
        deletedColumn: string;
        stackEnv: string;
      }>();
      const dsn = flags.dsn ?? loadEnvDefaults(flags.stackEnv, process.env).DATABEND_DSN;
      if (dsn === undefined) throw new Error('No DSN: pass --dsn or set DATABEND_DSN');
      const { truth, timestampUnit } = await readTruthFile(flags.truth);
      const conn = await new Client(dsn).getConn();
      try {
        const result = await compareOds(conn, truth, {
          database: flags.database,
          deletedColumn: flags.deletedColumn,
          timestampUnit,
        });
        say(result.report);
        process.exitCode = result.equal ? 0 : 1;
      } finally {
        await conn.close();
      }
    });

  const commands = [gen, upload, compare];
  for (const command of commands) program.addCommand(command);
  // `sim --help` documents every option of every command, not just the command names.
  program.addHelpText(
    'after',
    () => `\n${commands.map((c) => `sim ${c.name()}: ${c.helpInformation()}`).join('\n')}`,
  );
  return program;
}
