// The service's own view of its memory, from its /metrics (prom-client's default Node metrics):
// how much of the resident set is the V8 heap and how much is outside it (Buffers, the native
// Databend driver). Explains an RSS figure; the RSS itself comes from /proc. Scraped every 10 s,
// as a Prometheus server would, so the scrapes cost the service about what they cost in production.
export interface HeapPeaks {
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  readonly externalMB: number;
  readonly samples: number;
}

const METRICS = {
  heapUsed: 'nodejs_heap_size_used_bytes',
  heapTotal: 'nodejs_heap_size_total_bytes',
  external: 'nodejs_external_memory_bytes',
} as const;

/** The value of an unlabelled metric in Prometheus text, or undefined. */
export function metricValue(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name} ([0-9.eE+-]+)`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export class HeapSampler {
  private readonly peaks = { heapUsed: 0, heapTotal: 0, external: 0 };
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly intervalMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sample().catch(() => undefined);
    }, this.intervalMs);
  }

  stop(): HeapPeaks {
    clearInterval(this.timer);
    const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
    return {
      heapUsedMB: mb(this.peaks.heapUsed),
      heapTotalMB: mb(this.peaks.heapTotal),
      externalMB: mb(this.peaks.external),
      samples: this.samples,
    };
  }

  private async sample(): Promise<void> {
    const text = await (await fetch(this.url, { signal: AbortSignal.timeout(1_000) })).text();
    this.samples++;
    for (const key of Object.keys(METRICS) as (keyof typeof METRICS)[]) {
      const value = metricValue(text, METRICS[key]);
      if (value !== undefined) this.peaks[key] = Math.max(this.peaks[key], value);
    }
  }
}
