// Summarises a V8 CPU profile (`--cpu-prof`, e.g. from `npm run bench -- … --cpu-prof-dir <dir>`):
// self time by where the code lives (the service's own files, each npm package, Node internals,
// GC, idle) and the top functions. `npm run bench:profile -- <file.cpuprofile> [top]`.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's code lives: `src/ingest/x.ts`, `pkg:pino`, `node:internal`, `(garbage collector)`… */
function origin(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // The service as the benchmarks compile it (bench/harness/build.ts).
  const built = /\/bend-replicator-bench\/(.*)$/.exec(url);
  if (built?.[1] !== undefined) return `src/${built[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/(src\/.*)$/.exec(url) ?? /\/\.build\/(.*)$/.exec(url);
  return own?.[1] ?? url;
}

function summariseProfile(profile: CpuProfile): {
  readonly totalMs: number;
  readonly byOrigin: readonly [string, number][];
  readonly byFunction: readonly [string, number][];
} {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = nodes.get(id);
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = origin(url, functionName);
    total += ms;
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, byOrigin: sorted(byOrigin), byFunction: sorted(byFunction) };
}

const [file, top = '15'] = process.argv.slice(2);
if (file !== undefined) {
  const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const busy = summary.totalMs - (summary.byOrigin.find(([o]) => o === '(idle)')?.[1] ?? 0);
  console.log(
    `profile: ${(summary.totalMs / 1000).toFixed(1)} s, of which not idle ${(busy / 1000).toFixed(2)} s`,
  );
  console.log('\nself time by origin (ms, % of not idle):');
  for (const [where, ms] of summary.byOrigin.slice(0, Number(top)))
    if (where !== '(idle)')
      console.log(
        `  ${ms.toFixed(0).padStart(8)}  ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${where}`,
      );
  console.log('\ntop functions by self time (ms):');
  for (const [fn, ms] of summary.byFunction
    .filter(([f]) => !f.startsWith('(idle)'))
    .slice(0, Number(top)))
    console.log(`  ${ms.toFixed(0).padStart(8)}  ${fn}`);
}
