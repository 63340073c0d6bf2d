/** Control characters (newlines, escapes) would break a table row or drive the terminal. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Makes a cell one printable line: runs of control characters become one space. */
export function cleanCell(value: string): string {
  return value.replace(CONTROL, ' ');
}

/** Cuts `value` to `width` characters, marking a cut with `…`. */
export function cutTo(value: string, width: number): string {
  if (value.length <= width) return value;
  return width <= 0 ? '' : `${value.slice(0, width - 1)}…`;
}

/**
 * Renders a plain-text table: a header row and rows, columns two spaces apart and padded to
 * their widest cell, the last column unpadded. With `maxWidth` (the terminal's columns) the last
 * column is cut so that no line is wider, but keeps at least 10 characters. Cells are cleaned of
 * control characters.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], options: { maxWidth?: number } = {}): string {
  const all = [header, ...rows].map((row) => row.map(cleanCell));
  const last = header.length - 1;
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const lead = widths.slice(0, last).reduce((sum, width) => sum + width + 2, 0);
  const lastWidth = options.maxWidth === undefined ? Infinity : Math.max(10, options.maxWidth - lead);
  return all
    .map((row) => {
      const cells = row.map((cell, column) => (column === last ? cutTo(cell, lastWidth) : cell.padEnd(widths[column] ?? 0)));
      return `${cells.join('  ').trimEnd()}\n`;
    })
    .join('');
}
