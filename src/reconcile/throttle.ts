/**
 * Keeps the source reads under a row rate: after each read, waits until the rows read so far
 * fit `maxRowsPerSecond` since the start. 0 means no limit.
 */
export class RowThrottle {
  private readonly started = performance.now();
  private rows = 0;

  constructor(
    private readonly maxRowsPerSecond: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async after(rows: number): Promise<void> {
    this.rows += rows;
    if (this.maxRowsPerSecond <= 0) return;
    const due = (this.rows / this.maxRowsPerSecond) * 1000;
    const wait = due - (performance.now() - this.started);
    if (wait > 0) await this.sleep(wait);
  }
}
