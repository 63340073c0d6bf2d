const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * Formats a byte count the way go-humanize's `IBytes` does (the reference's placeholder text):
 * `512 B`, `3.1 MiB`, `12 MiB` (one decimal below 10, none from 10 on).
 */
export function formatIecBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), UNITS.length - 1);
  const value = Math.floor((bytes / 1024 ** exponent) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${UNITS[exponent] ?? 'B'}`;
}
