// The chaos suite, short: one small run through the fault proxies with SIGKILLs, a Databend
// restart, outages and duplicated, reordered deliveries; `npm run chaos` runs the long version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosRun } from '../chaos/chaos-run.js';
import { openChaosEnvironment, type OpenedEnvironment } from '../chaos/environment.js';
import { problemLines, runLine } from '../chaos/report.js';

/** The same faults on both wires: Databend's and S3/SQS's. */
const WIRE_FAULTS = {
  drop: 0.05,
  reset: 0.03,
  stall: 0.02,
  stallMs: 3_000,
  delay: 0.1,
  maxDelayMs: 200,
};

let env: OpenedEnvironment;
const lines: string[] = [];

beforeAll(async () => {
  env = await openChaosEnvironment(7, (line) => lines.push(line));
});

afterAll(async () => {
  await env?.close();
});

describe('chaos, short', () => {
  it(
    'converges after SIGKILLs, a Databend restart, outages and faulty connections: ODS equals the source, raw the files',
    { timeout: 600_000 },
    async () => {
      const result = await chaosRun(env, {
        seed: 7,
        tables: 2,
        durationSeconds: 15,
        transactionsPerSecond: 6,
        deliveryIntervalMs: 200,
        kills: 3,
        databendRestarts: 1,
        outages: 1,
        faults: {
          databend: WIRE_FAULTS,
          aws: WIRE_FAULTS,
        },
        duplicateProbability: 0.2,
        reorderWindow: 5,
        echoProbability: 0.2,
        reload: true,
        maxReceiveCount: 1_000,
        convergeTimeoutMs: 240_000,
      });
      console.log([runLine(0, result), ...problemLines(result), ...lines].join('\n'));
      expect(result.problems).toEqual([]);
      // The run did what it claims: files of every kind, kills, a restart, faults on the wire.
      expect(result.kills).toBe(3);
      expect(result.databendRestarts).toBe(1);
      expect(result.versions).toBeGreaterThan(result.files - 1);
      expect(result.proxy.databend.connections + result.proxy.aws.connections).toBeGreaterThan(0);
      expect(result.passed).toBe(true);
    },
  );

  it(
    'converges with three replicas whose lease holder is killed and frozen: one row per key, each file once',
    { timeout: 600_000 },
    async () => {
      const result = await chaosRun(env, {
        seed: 8,
        tables: 2,
        durationSeconds: 10,
        transactionsPerSecond: 6,
        deliveryIntervalMs: 200,
        kills: 2,
        databendRestarts: 0,
        outages: 0,
        faults: { databend: {}, aws: {} },
        duplicateProbability: 0.2,
        reorderWindow: 5,
        echoProbability: 0.3,
        reload: false,
        maxReceiveCount: 1_000,
        convergeTimeoutMs: 240_000,
        replicas: 3,
      });
      console.log([runLine(1, result), ...problemLines(result)].join('\n'));
      expect(result.problems).toEqual([]);
      expect(result.kills).toBe(2);
      expect(result.passed).toBe(true);
    },
  );
});
