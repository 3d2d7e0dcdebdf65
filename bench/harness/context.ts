// What every benchmark run gets from the command line: the local stack, one Databend connection
// for the harness's own queries, an S3 client, how to start the service, and a progress log.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import type { LocalStack } from '../../test/support/stack.js';
import type { Runner } from './service.js';

export interface BenchContext {
  readonly stack: LocalStack;
  readonly conn: Connection;
  readonly s3: S3Client;
  readonly runner: Runner;
  /** Node flags for the service, e.g. `--cpu-prof`. */
  readonly nodeArgs: readonly string[];
  readonly log: (line: string) => void;
}

/** A check of a figure against the target. */
export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly value: string;
  /** null when the run could not measure it. */
  readonly met: boolean | null;
}

/** What a benchmark run hands back: its figures, the target checks, and how it reads. */
export interface RunOutcome {
  readonly params: Readonly<Record<string, unknown>>;
  readonly figures: Readonly<Record<string, unknown>>;
  readonly targets: readonly TargetCheck[];
  /** Per design or variant: did its ODS end equal to the source's truth? */
  readonly converged: Readonly<Record<string, boolean>>;
  readonly notes: readonly string[];
  /** Markdown body (without the title and the common header). */
  readonly markdown: string;
  /** Figures the JSON also carries at its top level, where a reader or a CI check looks first. */
  readonly headline?: Readonly<Record<string, number | null>>;
  /** A Vega-Lite spec for the PNG chart. */
  readonly chart: Readonly<Record<string, unknown>> | undefined;
}
