/**
 * The backfill's progress bar on stderr: redrawn in place on a terminal (at most every 100 ms),
 * one line per tenth of the work otherwise, so logs of a non-interactive run stay short.
 */

export interface ProgressState {
  readonly total: number;
  readonly settled: number;
  readonly failed: number;
  readonly rows: number;
  readonly elapsedMs: number;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

/** `[#########---------------------]  30% 3/10 files  1,234 rows  2 failed  4.2 s`. Pure. */
export function progressLine(state: ProgressState): string {
  const fraction = state.total === 0 ? 1 : state.settled / state.total;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const failed = state.failed > 0 ? `  ${state.failed} failed` : '';
  return (
    `[${bar}] ${percent} ${state.settled}/${state.total} files  ` +
    `${state.rows.toLocaleString('en-US')} rows${failed}  ${(state.elapsedMs / 1000).toFixed(1)} s`
  );
}

export class ProgressBar {
  #settled = 0;
  #failed = 0;
  #rows = 0;
  #lastDraw = 0;
  #lastTenth = -1;
  readonly #started: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#started = now();
  }

  /** One file has an outcome. */
  tick(rows: number, failed: boolean): void {
    this.#settled += 1;
    this.#rows += rows;
    if (failed) this.#failed += 1;
    this.draw(false);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw(true);
    if (this.stream.isTTY === true) this.stream.write('\n');
  }

  private draw(force: boolean): void {
    const now = this.now();
    const line = progressLine({
      total: this.total,
      settled: this.#settled,
      failed: this.#failed,
      rows: this.#rows,
      elapsedMs: now - this.#started,
    });
    if (this.stream.isTTY === true) {
      if (!force && now - this.#lastDraw < REDRAW_MS) return;
      this.#lastDraw = now;
      this.stream.write(`\r${line}`);
      return;
    }
    const tenth = this.total === 0 ? 10 : Math.floor((this.#settled * 10) / this.total);
    if (!force && tenth === this.#lastTenth) return;
    if (force && tenth === this.#lastTenth && this.#settled > 0) return;
    this.#lastTenth = tenth;
    this.stream.write(`${line}\n`);
  }
}
