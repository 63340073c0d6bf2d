/**
 * Polls `condition` until it holds (returns the value) or `timeoutMs` passes (throws with
 * `what`). For conditions outside procvisor's control (the OS reaping a process); procvisor's
 * own state is awaited through its promises instead.
 */
export async function waitUntil<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 5000, everyMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
