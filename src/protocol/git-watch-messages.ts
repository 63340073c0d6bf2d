import * as v from 'valibot';

/** One repository in a `changes` message (the reference's `RepoChanges`, field for field). */
export const RepoChangesSchema = v.strictObject({
  repo_root: v.string(),
  /** Always present; empty when HEAD is detached or the repository was removed. */
  branch: v.string(),
  remote_origin: v.optional(v.string()),
  unified_diff: v.optional(v.string()),
  removed: v.optional(v.boolean()),
});
export type RepoChanges = v.InferOutput<typeof RepoChangesSchema>;

/** Agent → client messages of the git watch WebSocket. `scanned_at` is RFC 3339 UTC; `repositories` is omitted on a heartbeat. */
export const WatchMessageSchema = v.variant('type', [
  v.strictObject({ type: v.literal('changes'), scanned_at: v.string(), repositories: v.optional(v.array(RepoChangesSchema)) }),
  v.strictObject({ type: v.literal('error'), message: v.string() }),
]);
export type WatchMessage = v.InferOutput<typeof WatchMessageSchema>;
