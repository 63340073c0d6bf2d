/** Who decided a process should end, when someone did. The first cause wins. */
export type EndCause = 'requested' | 'timeout' | 'idle_timeout' | 'shutdown';
