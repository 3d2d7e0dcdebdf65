// The one way tests wait for something to become true on the stack or in a running service.

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Between two looks; default 500 ms. */
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined; fails after the timeout (a
 * number is the timeout in ms), with the last error the probe threw.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = 90_000, intervalMs = 500 } =
    typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError instanceof Error ? `: ${lastError.message}` : ''),
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls `check` until it is true; see waitFor. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: WaitOptions | number = {},
): Promise<void> {
  await waitFor(what, async () => ((await check()) ? true : undefined), options);
}
