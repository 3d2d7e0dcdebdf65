// Writes a benchmark's result three ways: <name>.json (every figure), <name>.md (the summary a
// person reads) and <name>.png (its chart).
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunOutcome } from '../harness/context.js';
import { renderPng } from './chart.js';
import { table } from './format.js';

export interface BenchResult extends Omit<RunOutcome, 'markdown' | 'chart' | 'headline'> {
  readonly name: string;
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    /** 1-, 5- and 15-minute load averages when the run started and ended (2 cores: 2 is full). */
    readonly loadAverage: {
      readonly atStart: readonly number[];
      readonly atEnd: readonly number[];
    };
  };
  readonly service: string;
}

export interface WrittenResult {
  readonly json: string;
  readonly markdown: string;
  readonly png: string | undefined;
  readonly result: BenchResult;
}

export async function writeResult(
  dir: string,
  name: string,
  command: string,
  startedAt: { readonly at: Date; readonly loadAverage: readonly number[] },
  runner: string,
  outcome: RunOutcome,
  chart: boolean,
): Promise<WrittenResult> {
  await mkdir(dir, { recursive: true });
  const { markdown, chart: spec, headline, ...rest } = outcome;
  const result: BenchResult = {
    name,
    command,
    startedAt: startedAt.at.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      loadAverage: {
        atStart: startedAt.loadAverage.map((l) => Math.round(l * 100) / 100),
        atEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      },
    },
    service: runner,
    ...rest,
  };
  const json = join(dir, `${name}.json`);
  await writeFile(json, `${JSON.stringify({ ...headline, ...result }, null, 2)}\n`);
  const md = join(dir, `${name}.md`);
  const converged = Object.entries(result.converged).map(
    ([design, equal]) => `${design}: ${equal ? 'equal to the source' : 'DIFFERENT'}`,
  );
  await writeFile(
    md,
    [
      `## Benchmark: ${name}`,
      '',
      `\`${command}\` — ${result.startedAt}, ${result.machine.cpus} × ${result.machine.cpuModel}, ` +
        `${result.machine.memoryGiB} GiB, Node ${result.machine.node}, service ${runner}; ` +
        `load average ${result.machine.loadAverage.atStart.join(' ')} at the start, ` +
        `${result.machine.loadAverage.atEnd.join(' ')} at the end (the machine is shared).`,
      '',
      markdown,
      '',
      `ODS at the end: ${converged.join('; ') || '–'}.`,
      ...(result.notes.length > 0 ? ['', ...result.notes.map((n) => `- ${n}`)] : []),
      '',
      '<details><summary>Parameters</summary>',
      '',
      table(
        ['parameter', 'value'],
        Object.entries(result.params).map(([k, v]) => [k, String(v)]),
      ),
      '',
      '</details>',
      '',
    ].join('\n'),
  );
  let png: string | undefined;
  if (chart && spec !== undefined) {
    png = join(dir, `${name}.png`);
    await writeFile(png, await renderPng(spec));
  }
  return { json, markdown: md, png, result };
}
