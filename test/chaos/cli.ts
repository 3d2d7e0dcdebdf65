/**
 * `npm run chaos -- [options]`: repeated chaos runs on the local stack, each ending with ODS
 * compared with the simulated source and raw compared with the files. Exits 1 if any run failed.
 * docs/chaos.md explains what a run does and how to read its lines.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { up } from '../../stack/stack.js';
import { chaosRun, type ChaosRunOptions, type ChaosRunResult } from './chaos-run.js';
import { openChaosEnvironment } from './environment.js';
import { problemLines, runLine, summarize, summaryLine } from './report.js';

function number(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return value;
  };
}
const integer = (min: number, max: number) => (text: string) => {
  const value = number(min, max)(text);
  if (!Number.isInteger(value)) throw new InvalidArgumentError('expected an integer');
  return value;
};
const rate = number(0, 1);

interface CliOptions {
  runs: number;
  seed: number;
  tables: number;
  duration: number;
  tps: number;
  intervalMs: number;
  kills: number;
  databendRestarts: number;
  outages: number;
  drop: number;
  reset: number;
  stall: number;
  stallMs: number;
  delay: number;
  maxDelayMs: number;
  awsFaults: number;
  duplicate: number;
  reorder: number;
  echo: number;
  reloadEvery: number;
  maxReceiveCount: number;
  convergeTimeout: number;
  replicas: number;
  out?: string;
}

const program = new Command()
  .name('chaos')
  .description(
    'Runs the service against Databend and S3/SQS through fault proxies, with SIGKILLs, ' +
      'Databend restarts, outages, duplicated and reordered deliveries; checks ODS and raw after each run.',
  )
  .option('--runs <n>', 'number of runs', integer(1, 10_000), 20)
  .option(
    '--seed <n>',
    'seed of the first run; run i uses seed + i',
    integer(1, 2 ** 31 - 1_000_000),
    1,
  )
  .option('--tables <n>', 'source tables per run (1-4)', integer(1, 4), 3)
  .option('--duration <s>', 'seconds of simulated source activity per run', number(1, 3_600), 40)
  .option('--tps <n>', 'source transactions per second', number(0.1, 10_000), 8)
  .option('--interval-ms <ms>', 'time between two uploads', integer(0, 60_000), 250)
  .option('--kills <n>', 'SIGKILLs of the service per run', integer(0, 1_000), 4)
  .option('--databend-restarts <n>', 'Databend restarts per run', integer(0, 100), 1)
  .option('--outages <n>', 'network outages (all connections cut) per run', integer(0, 100), 2)
  .option('--drop <p>', 'Databend proxy: share of new connections closed at once', rate, 0.05)
  .option(
    '--reset <p>',
    'Databend proxy: share of relayed chunks that reset the connection',
    rate,
    0.03,
  )
  .option('--stall <p>', 'Databend proxy: share of new connections stalled', rate, 0.02)
  .option(
    '--stall-ms <ms>',
    'how long a stalled connection hangs before it closes',
    integer(0, 600_000),
    5_000,
  )
  .option('--delay <p>', 'Databend proxy: share of relayed chunks delayed', rate, 0.1)
  .option('--max-delay-ms <ms>', 'longest delay of a chunk', integer(0, 60_000), 300)
  .option(
    '--aws-faults <x>',
    'S3/SQS proxy rates as a multiple of the Databend ones',
    number(0, 100),
    1,
  )
  .option('--duplicate <p>', 'share of files put twice (a second S3 event)', rate, 0.2)
  .option(
    '--reorder <n>',
    'uploads shuffled within windows of this many files',
    integer(1, 1_000),
    6,
  )
  .option(
    '--replicas <n>',
    'service processes on the one queue; kills strike the lease holder (SIGKILL or SIGSTOP)',
    integer(1, 5),
    1,
  )
  .option('--echo <p>', 'share of notifications sent again later, straight to SQS', rate, 0.15)
  .option(
    '--reload-every <n>',
    'every n-th run includes a DMS reload (0: never)',
    integer(0, 1_000),
    3,
  )
  .option(
    '--max-receive-count <n>',
    'SQS receives before the dead-letter queue',
    integer(1, 1_000),
    1_000,
  )
  .option(
    '--converge-timeout <s>',
    'seconds to wait for convergence after the chaos',
    number(10, 7_200),
    300,
  )
  .option('--out <file>', 'write every run result as JSON to this file');

function runOptions(o: CliOptions, run: number): ChaosRunOptions {
  const databend = {
    drop: o.drop,
    reset: o.reset,
    stall: o.stall,
    stallMs: o.stallMs,
    delay: o.delay,
    maxDelayMs: o.maxDelayMs,
  };
  const scaled = (p: number): number => Math.min(1, p * o.awsFaults);
  return {
    seed: o.seed + run,
    tables: o.tables,
    durationSeconds: o.duration,
    transactionsPerSecond: o.tps,
    deliveryIntervalMs: o.intervalMs,
    kills: o.kills,
    databendRestarts: o.databendRestarts,
    outages: o.outages,
    faults: {
      databend,
      aws: {
        ...databend,
        drop: scaled(o.drop),
        reset: scaled(o.reset),
        stall: scaled(o.stall),
        delay: scaled(o.delay),
      },
    },
    duplicateProbability: o.duplicate,
    reorderWindow: o.reorder,
    echoProbability: o.echo,
    reload: o.reloadEvery > 0 && (run + 1) % o.reloadEvery === 0,
    maxReceiveCount: o.maxReceiveCount,
    convergeTimeoutMs: o.convergeTimeout * 1000,
    replicas: o.replicas,
  };
}

async function main(): Promise<number> {
  program.parse(process.argv);
  const o = program.opts<CliOptions>();
  const log = (line: string): void => console.log(line);
  const { started } = await up({
    persistentData: false,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
    python: process.env.STACK_PYTHON,
    log: (line) => log(`[stack] ${line}`),
  });
  const env = await openChaosEnvironment(o.seed, log);
  const stop = (): void => {
    void env.close({ keepData: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  const results: ChaosRunResult[] = [];
  try {
    for (let run = 0; run < o.runs; run++) {
      const options = runOptions(o, run);
      log(
        `run ${run + 1}/${o.runs} seed ${options.seed}${options.reload ? ' (with a DMS reload)' : ''}`,
      );
      const result = await chaosRun(env, options);
      results.push(result);
      log(runLine(run, result));
      for (const line of problemLines(result)) log(line);
      if (o.out !== undefined)
        writeFileSync(o.out, JSON.stringify({ options: o, results }, null, 2));
    }
  } finally {
    const failed = results.some((r) => !r.passed);
    await env.close({ keepData: failed });
    if (failed) log(`Databend data of the failed runs kept in ${env.dir}`);
    if (started) log('[stack] started for this run; stop it with npm run stack:down');
  }
  log(summaryLine(summarize(results)));
  return results.every((r) => r.passed) ? 0 : 1;
}

process.exitCode = await main();
