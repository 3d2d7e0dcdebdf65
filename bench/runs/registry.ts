// The benchmarks `npm run bench -- <name>` knows, with their default parameters.
import type { BenchContext, RunOutcome } from '../harness/context.js';
import type { ParamValue } from '../params.js';
import { AGED_DEFAULTS, agedBench } from './aged.js';
import { BREAKDOWN_DEFAULTS, breakdownBench } from './breakdown.js';
import { FAILOVER_DEFAULTS, failoverBench } from './failover.js';
import { LATENCY_DEFAULTS, latencyBench } from './latency.js';
import { REPLICAS_DEFAULTS, replicasBench } from './replicas.js';
import { RESOURCES_DEFAULTS, resourcesBench } from './resources.js';
import { SCALE_DEFAULTS, scaleBench } from './scale.js';
import { THROUGHPUT_DEFAULTS, throughputBench } from './throughput.js';

export interface Benchmark {
  readonly defaults: Readonly<Record<string, ParamValue>>;
  readonly run: (ctx: BenchContext, params: Record<string, ParamValue>) => Promise<RunOutcome>;
}

function benchmark<P extends Readonly<Record<string, ParamValue>>>(
  defaults: P,
  run: (ctx: BenchContext, params: P) => Promise<RunOutcome>,
): Benchmark {
  return { defaults, run: (ctx, params) => run(ctx, params as unknown as P) };
}

export const BENCHMARKS: Readonly<Record<string, Benchmark>> = {
  latency: benchmark({ ...LATENCY_DEFAULTS }, latencyBench),
  throughput: benchmark(THROUGHPUT_DEFAULTS, throughputBench),
  resources: benchmark(RESOURCES_DEFAULTS, resourcesBench),
  scale: benchmark({ ...SCALE_DEFAULTS }, scaleBench),
  breakdown: benchmark(BREAKDOWN_DEFAULTS, breakdownBench),
  aged: benchmark(AGED_DEFAULTS, agedBench),
  failover: benchmark(FAILOVER_DEFAULTS, failoverBench),
  replicas: benchmark(REPLICAS_DEFAULTS, replicasBench),
};
