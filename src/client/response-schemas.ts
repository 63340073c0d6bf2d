import * as v from 'valibot';

/**
 * Shapes of the agent's 200 answers, checked once at the edge so the tools can trust their
 * types. Loose: fields the SDK does not know (a newer agent's additions) are kept, not refused.
 */
const TruncationSchema = v.looseObject({
  original_bytes: v.number(),
  retained_bytes: v.number(),
  omitted_bytes: v.number(),
  strategy: v.string(),
});

export const StartResponseSchema = v.looseObject({
  id: v.string(),
  started: v.boolean(),
  attached: v.optional(v.boolean()),
  client_token: v.optional(v.string()),
});

const WaitingForInputSchema = v.looseObject({ since_ms: v.number(), prompt: v.string() });

export const ListResponseSchema = v.looseObject({
  processes: v.array(
    v.looseObject({
      id: v.string(),
      command: v.string(),
      workdir: v.optional(v.string()),
      background: v.boolean(),
      running: v.boolean(),
      exit_code: v.optional(v.number()),
      exit_signal: v.optional(v.string()),
      exit_reason: v.optional(v.string()),
      duration_ms: v.optional(v.number()),
      started_at_unix: v.number(),
      exited_at_unix: v.optional(v.number()),
      waiting_for_input: v.optional(WaitingForInputSchema),
      listening_ports: v.optional(v.array(v.number())),
    }),
  ),
});

export const OutputResponseSchema = v.looseObject({
  output: v.string(),
  truncated: v.optional(TruncationSchema),
  running: v.boolean(),
  exit_code: v.optional(v.number()),
  waiting_for_input: v.optional(WaitingForInputSchema),
});

/** `GET /{id}/output` with a procvisor wait: the output answer plus how the wait ended. */
export const WaitResponseSchema = v.looseObject({
  ...OutputResponseSchema.entries,
  wait_result: v.string(),
  match: v.optional(v.looseObject({ text: v.string(), offset: v.number() })),
  http_status: v.optional(v.number()),
  listening_ports: v.optional(v.array(v.number())),
  next_cursor: v.optional(v.number()),
});

/** The `data` of each `GET /events` event, by event name. */
export const ProcessEventSchemas = {
  started: v.looseObject({ id: v.string(), command: v.string(), background: v.boolean(), started_at_unix: v.number() }),
  exited: v.looseObject({
    id: v.string(),
    exit_code: v.number(),
    exit_signal: v.optional(v.string()),
    exit_reason: v.string(),
    duration_ms: v.number(),
    last_lines: v.array(v.string()),
  }),
  waiting_for_input: v.looseObject({ id: v.string(), prompt: v.string() }),
  listening: v.looseObject({ id: v.string(), ports: v.array(v.number()) }),
  lost: v.looseObject({ lost_events: v.number(), resume_at: v.number() }),
};

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A procvisor output read: the output answer (maybe without `output`) plus the extension fields. */
export const OutputReadResponseSchema = v.looseObject({
  output: v.optional(v.string()),
  truncated: v.optional(TruncationSchema),
  running: v.boolean(),
  exit_code: v.optional(v.number()),
  exit_signal: v.optional(v.string()),
  exit_reason: v.optional(v.string()),
  duration_ms: v.optional(v.number()),
  wait_result: v.optional(v.picklist(['exited', 'output', 'match', 'quiet', 'input', 'port', 'http', 'timeout'])),
  match: v.optional(v.looseObject({ text: v.string(), offset: count })),
  waiting_for_input: v.optional(WaitingForInputSchema),
  listening_ports: v.optional(v.array(v.number())),
  delta: v.optional(v.looseObject({ cursor: count, text: v.string(), gap_bytes: count, has_more: v.boolean() })),
  grep: v.optional(
    v.looseObject({
      lines: v.array(v.looseObject({ line: count, text: v.string(), match: v.boolean() })),
      matches: count,
      more: v.boolean(),
      scanned_bytes: count,
      gap_bytes: count,
    }),
  ),
  next_cursor: v.optional(count),
  error_lines: v.optional(v.looseObject({ lines: v.array(v.looseObject({ line: count, text: v.string() })), more: count, scanned_bytes: count })),
});

/** The `data` of each stream event, by event name. */
export const StreamEventSchemas = {
  output: v.looseObject({ offset: count, bytes: count, text: v.optional(v.string()), data: v.optional(v.string()) }),
  gap: v.looseObject({ offset: count, lost_bytes: count, resume_at: count }),
  exit: v.looseObject({
    exit_code: v.number(),
    exit_signal: v.optional(v.string()),
    exit_reason: v.string(),
    duration_ms: v.number(),
    next_cursor: count,
  }),
};

export const SignalResponseSchema = v.looseObject({ message: v.string() });
export const InputResponseSchema = v.looseObject({ bytes: v.number(), eof: v.boolean() });
export const ResizeResponseSchema = v.looseObject({ cols: v.number(), rows: v.number() });

export const ErrorBodySchema = v.looseObject({
  message: v.optional(v.string(), ''),
  detail: v.optional(v.string()),
  code: v.optional(v.string()),
});

/** Describes every issue of a failed parse in one line: `processes.0.id: Invalid type…`. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`).join('; ');
}
