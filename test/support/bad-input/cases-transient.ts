// A transient failure: Databend unreachable while a file loads. Retry through SQS, then done.
import { badKey, byKey, type BadInputCase } from './case.js';
import { goodFile } from './parquet.js';
import { outcomes } from './world.js';

export const transientCases: readonly BadInputCase[] = [
  {
    kind: 'transient',
    name: 'Databend unreachable while a file loads',
    expected: 'retry',
    sees: '`batch failed, will retry` per attempt, then `message retry` (reason `Databend: …`) and the message back on the queue after `retryBackoffSeconds` (doubling per receive); `databend_errors_total{code="transport"}`; it loads once Databend answers',
    run: async (world) => {
      const key = badKey('unreachable');
      const start = world.mark;
      const observed = await world.observe({
        inject: async () => {
          world.parts.databendProxy.outage(10_000);
          await world.putAndAnnounce(key, goodFile(2));
        },
        match: byKey(key),
        counter: outcomes('retry'),
        timeoutMs: 60_000,
      });
      const done = await world.waitForOutcome(
        start,
        (line) => line.key === key && line.outcome === 'done',
        90_000,
      );
      return {
        ...observed,
        problems: [
          ...observed.problems,
          ...(done === undefined ? ['it did not load after Databend came back'] : []),
        ],
      };
    },
  },
];
