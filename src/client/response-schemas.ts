import * as v from 'valibot';
import { AnyAgentErrorBodySchema } from '../protocol/error-body.js';
import { lenient } from '../protocol/lenient-schema.js';
import * as wire from '../protocol/response-schemas.js';

/**
 * The SDK's readers of the agent's 200 answers and events: the protocol's schemas made lenient
 * (see lenient()), checked once at the edge so the tools can trust their types. Fields a newer
 * agent adds are kept, values an older SDK does not know (a new exit reason) are accepted.
 */
export const StartResponseSchema = lenient(wire.StartResponseSchema);
export const ListResponseSchema = lenient(wire.ListResponseSchema);
export const OutputResponseSchema = lenient(wire.ProcessOutputSchema);
/** A procvisor output read: the output answer (maybe without `output`) plus the extension fields. */
export const OutputReadResponseSchema = lenient(wire.OutputResponseSchema);
/** `GET /{id}/output` with a procvisor wait: the output answer plus how the wait ended (required here). */
export const WaitResponseSchema = lenient(
  v.object({ ...wire.OutputResponseSchema.entries, output: wire.ProcessOutputSchema.entries.output, wait_result: v.string() }),
);
export const SignalResponseSchema = lenient(wire.SignalResponseSchema);
export const InputResponseSchema = lenient(wire.InputResponseSchema);
export const ResizeResponseSchema = lenient(wire.ResizeResponseSchema);

/** The `data` of each `GET /events` event, by event name. */
export const ProcessEventSchemas = {
  started: lenient(wire.EventDataSchemas.started),
  exited: lenient(wire.EventDataSchemas.exited),
  waiting_for_input: lenient(wire.EventDataSchemas.waiting_for_input),
  listening: lenient(wire.EventDataSchemas.listening),
  lost: lenient(wire.EventDataSchemas.lost),
};

/** The `data` of each `GET /{id}/stream` event, by event name. */
export const StreamEventSchemas = {
  output: lenient(wire.StreamEventDataSchemas.output),
  gap: lenient(wire.StreamEventDataSchemas.gap),
  exit: lenient(wire.StreamEventDataSchemas.exit),
};

/** An error body of any agent (the reference's has no `code`). */
export const ErrorBodySchema = AnyAgentErrorBodySchema;
