import type { DmsSettings } from './dms/settings.js';
import { writeParquetFiles, type WrittenFile } from './parquet/write.js';
import { simulate, type Simulation } from './simulate.js';
import type { WorkloadOptions } from './workload/options.js';

export interface Generated {
  readonly simulation: Simulation;
  /** One entry per file, in creation order. */
  readonly written: readonly WrittenFile[];
}

/** Simulates the workload and writes every DMS file as Parquet under `outDir`. */
export async function generate(
  workload: WorkloadOptions,
  dms: Partial<DmsSettings>,
  output: { readonly outDir: string; readonly python?: string },
): Promise<Generated> {
  const simulation = simulate(workload, dms);
  const written = await writeParquetFiles(simulation.files, simulation.settings, output);
  return { simulation, written };
}
