/** MCP hints of one tool (all hints: a host may show them or ask before destructive calls). */
export interface ToolHints {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

type JsonSchema = Record<string, unknown>;

const integer = { type: 'integer' } as const;
const text = { type: 'string' } as const;

/**
 * The structured result of execute, process_output and process_input: the reference's fields
 * and procvisor's, all but `success` optional. `output` is not in it: it travels once, as
 * plain text content, so it is not escaped twice.
 */
const PROCESS_RESULT: JsonSchema = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    running: { type: 'boolean' },
    exit_code: integer,
    exit_signal: text,
    wall_duration_ms: integer,
    error: text,
    note: text,
    truncated: { type: 'object' },
    background_process_id: text,
    process_id: text,
    returned_on: { type: 'string', enum: ['exited', 'match', 'quiet', 'output', 'input', 'port', 'timeout'] },
    match: { type: 'object', properties: { text, offset: integer } },
    waiting_for_input: { type: 'object', properties: { prompt: text }, description: 'The process waits for an answer: answer with process_input.' },
    listening_ports: { type: 'array', items: integer, description: 'TCP ports the process group listens on (wait_for_port).' },
    cursor: { ...integer, description: 'Bytes of output seen; pass as since to get only what follows.' },
    omitted_bytes: integer,
    lost_bytes: integer,
    attached: { type: 'boolean' },
    grep: { type: 'object' },
    output_bytes: { ...integer, description: 'Bytes of the output text, which is the second text content block.' },
  },
  required: ['success'],
};

export interface ToolMetadata {
  annotations: ToolHints;
  outputSchema: JsonSchema;
}

/** Hints and output schema by tool name; a tool not listed gets neither. */
export const TOOL_METADATA: Readonly<Record<string, ToolMetadata>> = {
  execute: { annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true }, outputSchema: PROCESS_RESULT },
  process_output: { annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }, outputSchema: PROCESS_RESULT },
  process_input: { annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true }, outputSchema: PROCESS_RESULT },
  process_list: {
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    outputSchema: { type: 'object', properties: { processes: { type: 'array', items: { type: 'object' } }, success: { type: 'boolean' }, error: text } },
  },
  process_signal: {
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    outputSchema: { type: 'object', properties: { message: text, success: { type: 'boolean' }, error: text } },
  },
};
