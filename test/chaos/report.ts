/** How chaos runs are told: one line per run, the problems of failed runs, and a summary. */
import type { FaultCounts } from './fault-proxy.js';
import type { ChaosRunResult } from './chaos-run.js';

function faults(counts: FaultCounts): string {
  return `${counts.reset} reset, ${counts.dropped} dropped, ${counts.stalled} stalled, ${counts.delayed} delayed, ${counts.refused} refused of ${counts.connections} conn`;
}

export function runLine(index: number, result: ChaosRunResult): string {
  const verdict = result.passed ? 'PASS' : 'FAIL';
  return (
    `run ${index + 1} seed ${result.seed}: ${verdict} — ${result.files} files ` +
    `(${result.versions} versions, ${result.changeRows} change rows; raw ${result.rawRows}` +
    `${result.skippedSuperseded > 0 ? `; ${result.skippedSuperseded} replaced before read, skipped` : ''}), ` +
    `${result.kills} SIGKILL (${result.killsDuringBatch} during a batch` +
    `${result.freezes > 0 ? `; ${result.freezes} of them SIGSTOP` : ''}), ` +
    `${result.takeovers} takeovers, ` +
    `${result.databendRestarts} Databend restart, ${result.echoes} echoed messages, ` +
    `${result.serviceCrashes} crashes, ${result.startupExits} start-up exits; ` +
    `databend proxy: ${faults(result.proxy.databend)}; s3/sqs proxy: ${faults(result.proxy.aws)}; ` +
    `chaos ${result.chaosSeconds.toFixed(0)} s, converged ${result.convergeSeconds.toFixed(0)} s after`
  );
}

export function problemLines(result: ChaosRunResult): string[] {
  return [
    ...result.problems.map((p) => `    problem: ${p}`),
    ...(result.passed ? [] : result.events.map((e) => `    event: ${e}`)),
  ];
}

export interface ChaosSummary {
  readonly runs: number;
  readonly passed: number;
  readonly kills: number;
  readonly killsDuringBatch: number;
  readonly freezes: number;
  readonly takeovers: number;
  readonly chaosSeconds: number;
  readonly convergeSeconds: number;
  readonly databendRestarts: number;
  readonly resets: number;
  readonly dropped: number;
  readonly stalled: number;
  readonly refused: number;
  readonly echoes: number;
  readonly changeRows: number;
  readonly serviceCrashes: number;
  readonly startupExits: number;
}

export function summarize(results: readonly ChaosRunResult[]): ChaosSummary {
  const sum = (f: (r: ChaosRunResult) => number): number =>
    results.reduce((total, r) => total + f(r), 0);
  return {
    runs: results.length,
    passed: results.filter((r) => r.passed).length,
    kills: sum((r) => r.kills),
    killsDuringBatch: sum((r) => r.killsDuringBatch),
    freezes: sum((r) => r.freezes),
    takeovers: sum((r) => r.takeovers),
    chaosSeconds: sum((r) => r.chaosSeconds),
    convergeSeconds: sum((r) => r.convergeSeconds),
    databendRestarts: sum((r) => r.databendRestarts),
    resets: sum((r) => r.proxy.databend.reset + r.proxy.aws.reset),
    dropped: sum((r) => r.proxy.databend.dropped + r.proxy.aws.dropped),
    stalled: sum((r) => r.proxy.databend.stalled + r.proxy.aws.stalled),
    refused: sum((r) => r.proxy.databend.refused + r.proxy.aws.refused),
    echoes: sum((r) => r.echoes),
    changeRows: sum((r) => r.changeRows),
    serviceCrashes: sum((r) => r.serviceCrashes),
    startupExits: sum((r) => r.startupExits),
  };
}

export function summaryLine(s: ChaosSummary): string {
  return (
    `${s.passed}/${s.runs} runs passed: ODS equal to the source and raw equal to the files in every passing run; ` +
    `${s.kills} SIGKILLs (${s.killsDuringBatch} during a batch${s.freezes > 0 ? `; ${s.freezes} of them SIGSTOP` : ''}), ` +
    `${s.takeovers} lease takeovers, ${s.databendRestarts} Databend restarts, ` +
    `${s.resets} connection resets, ${s.dropped} dropped, ${s.stalled} stalled, ${s.refused} refused in outages, ` +
    `${s.echoes} echoed messages, ${s.changeRows} change rows, ${s.serviceCrashes} crashes, ${s.startupExits} start-up exits while a dependency was away; ` +
    `${(s.chaosSeconds / 60).toFixed(0)} min of chaos, ${(s.convergeSeconds / 60).toFixed(0)} min converging`
  );
}
