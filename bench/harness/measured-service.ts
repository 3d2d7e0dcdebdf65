// Starts the service for a run with its /proc monitor attached from the first moment, and stops
// it with the monitor's last sample taken while it still runs (peak RSS and CPU time die with it).
import type { Config } from '../../src/config.js';
import type { BenchContext } from './context.js';
import { HeapSampler, type HeapPeaks } from './heap-sampler.js';
import { ProcessMonitor, type ResourceSummary } from './proc-stats.js';
import { ServiceProcess } from './service.js';

export interface MeasuredService {
  readonly service: ServiceProcess;
  readonly monitor: ProcessMonitor;
  readonly spawnedAtMs: number;
  /** When it logged that it runs (control tables ready, polling). */
  readonly readyAtMs: number;
  readonly stop: () => Promise<{
    resources: ResourceSummary;
    heap: HeapPeaks | undefined;
    exitCode: number | null;
  }>;
}

export async function startMeasured(ctx: BenchContext, config: Config): Promise<MeasuredService> {
  const service = new ServiceProcess({
    config,
    runner: ctx.runner,
    credentials: { accessKeyId: ctx.stack.accessKeyId, secretAccessKey: ctx.stack.secretAccessKey },
    nodeArgs: ctx.nodeArgs,
  });
  const spawnedAtMs = Date.now();
  const monitor = new ProcessMonitor(service.start(), 500);
  await monitor.start();
  try {
    await service.waitForLog(/bend-replicator is running/, 60_000);
  } catch (error) {
    await service.stop();
    throw error;
  }
  const readyAtMs = Date.now();
  const heap = service.metricsUrl === undefined ? undefined : new HeapSampler(service.metricsUrl);
  heap?.start();
  let stopped:
    | { resources: ResourceSummary; heap: HeapPeaks | undefined; exitCode: number | null }
    | undefined;
  return {
    service,
    monitor,
    spawnedAtMs,
    readyAtMs,
    stop: async () => {
      if (stopped !== undefined) return stopped;
      const resources = await monitor.finish();
      const heapPeaks = heap?.stop();
      const exitCode = await service.stop();
      stopped = { resources, heap: heapPeaks, exitCode };
      return stopped;
    },
  };
}

export const MIB = 1024 * 1024;

/** The resource figures a result reports for one service run. */
export function resourceFigures(r: ResourceSummary, heap?: HeapPeaks): Record<string, number> {
  return {
    ...(heap === undefined
      ? {}
      : {
          heapUsedPeakMB: heap.heapUsedMB,
          heapTotalPeakMB: heap.heapTotalMB,
          externalPeakMB: heap.externalMB,
        }),
    peakRssMB: round(r.peakRssBytes / 1e6, 1),
    cpuSeconds: round(r.cpuMs / 1000, 2),
    wallSeconds: round(r.wallMs / 1000, 1),
    cpuCores: round(r.cpuCores, 3),
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
