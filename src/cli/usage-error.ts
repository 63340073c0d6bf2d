/**
 * A mistake in how the CLI was called that commander cannot see (a malformed `--url`, an
 * ambiguous id prefix): reported like commander's own errors, with exit code 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit code of a usage error, as commander's `error()` would give with procvisor's convention. */
export const USAGE_EXIT_CODE = 2;
