// `npm run bench -- <name> [--param value …]`: runs one benchmark on the local stack (started if
// it is not running) and writes bench/results/<name>.json, .md and .png. See docs/benchmarks.md.
//
//   npm run bench -- latency    [--tables 5 --seconds 180 --file-interval-ms 1000 …]
//   npm run bench -- throughput [--tables 4 --files 50 --rows 2000 --repeat 1 …]
//   npm run bench -- resources  [--idle-seconds 60 …]
//   npm run bench -- scale      [--tables 50 …]
//
// Options for every benchmark: --runner dist|tsx (compiled JavaScript, as deployed, or the
// TypeScript sources), --cpu-prof-dir <dir> (the service writes a V8 CPU profile there),
// --node-options "<flags>" (more flags for the service's node, e.g. heap sizes), --out <dir>
// (default bench/results), --label <text> (results named <name>-<label>), --chart false.
import { loadavg } from 'node:os';
import { Client } from 'databend-driver';
import { down, up } from '../stack/stack.js';
import { loadStackEnv, s3 } from '../test/support/stack.js';
import { buildService } from './harness/build.js';
import type { BenchContext, RunOutcome } from './harness/context.js';
import { RESULTS_DIR } from './harness/paths.js';
import { applyParams, type ParamValue } from './params.js';
import { writeResult } from './report/write-result.js';
import { BENCHMARKS } from './runs/registry.js';

const COMMON = {
  runner: 'dist',
  cpuProfDir: '',
  nodeOptions: '',
  out: RESULTS_DIR,
  label: '',
  chart: true,
};

function split(args: readonly string[]): { common: string[]; own: string[] } {
  const common: string[] = [];
  const own: string[] = [];
  const commonFlags = new Set([
    '--runner',
    '--cpu-prof-dir',
    '--node-options',
    '--out',
    '--label',
    '--chart',
  ]);
  for (let i = 0; i < args.length; i += 2) {
    const pair = args.slice(i, i + 2);
    (commonFlags.has(args[i] ?? '') ? common : own).push(...pair);
  }
  return { common, own };
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const bench = name === undefined ? undefined : BENCHMARKS[name];
  if (name === undefined || bench === undefined) {
    console.error(
      `usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [--param value …]`,
    );
    for (const [n, b] of Object.entries(BENCHMARKS))
      console.error(
        `  ${n}: ${Object.entries(b.defaults)
          .map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${String(v)}`)
          .join(' ')}`,
      );
    return 2;
  }
  const { common, own } = split(rest);
  const options = applyParams(COMMON, common);
  const params = applyParams(bench.defaults as Record<string, ParamValue>, own);
  const log = (line: string): void => console.log(`[${name}] ${line}`);
  const startedAt = { at: new Date(), loadAverage: loadavg() };

  const { started } = await up({
    persistentData: false,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 30,
    python: process.env.STACK_PYTHON,
    log: (l) => log(`stack: ${l}`),
  });
  const stack = loadStackEnv();
  const conn = await new Client(stack.dsn).getConn();
  const client = s3(stack);
  try {
    const runner = options.runner === 'tsx' ? ({ kind: 'tsx' } as const) : await buildService(log);
    const ctx: BenchContext = {
      stack,
      conn,
      s3: client,
      runner,
      nodeArgs: [
        ...(options.cpuProfDir === ''
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`]),
        ...options.nodeOptions.split(/\s+/).filter((flag) => flag !== ''),
      ],
      log,
    };
    const outcome: RunOutcome = await bench.run(ctx, params);
    const file = options.label === '' ? name : `${name}-${options.label}`;
    const written = await writeResult(
      options.out,
      file,
      ['npm run bench --', ...argv].join(' '),
      startedAt,
      runner.kind === 'dist' ? 'compiled JavaScript (node main.js run)' : 'TypeScript via tsx',
      outcome,
      options.chart,
    );
    log(
      `wrote ${written.json}, ${written.markdown}${written.png === undefined ? '' : `, ${written.png}`}`,
    );
    for (const t of outcome.targets) log(`${t.name}: ${t.value} (target ${t.target})`);
    for (const [design, equal] of Object.entries(outcome.converged))
      log(`${design} ODS ${equal ? 'equals' : 'DIFFERS FROM'} the source`);
    // The guide's ODS may differ from the source (ties in its ROW_NUMBER order, resurrected
    // deletes): that is a finding, reported, not a failure of the run. Ours must converge.
    const ours = Object.entries(outcome.converged).filter(([design]) => design !== 'guide');
    return ours.every(([, equal]) => equal) ? 0 : 1;
  } finally {
    client.destroy();
    await conn.close();
    if (started) await down();
  }
}

process.exitCode = await main(process.argv.slice(2));
