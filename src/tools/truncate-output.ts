/** The most output bytes a tool result shows the model (the reference's `maxOutputToModel`). */
export const MAX_OUTPUT_TO_MODEL_BYTES = 32 * 1024;

/**
 * Cuts `output` to at most `maxBytes` UTF-8 bytes, dropping a character the cut would split, so
 * the result is valid UTF-8. Output at or under the limit is returned as it is.
 */
export function truncateOutput(output: string, maxBytes = MAX_OUTPUT_TO_MODEL_BYTES): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: a short enough string needs no encoding.
  if (output.length * 3 <= maxBytes) return output;
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= maxBytes) return output;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the split character, if any.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}
