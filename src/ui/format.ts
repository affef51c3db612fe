/** Display helpers shared by the components (pure, so they are unit-testable). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatPercent(loaded: number, total: number): string {
  return total > 0 ? `${Math.min(100, Math.round((100 * loaded) / total))}%` : '';
}

export { formatClock } from '../memorize/prompt';
