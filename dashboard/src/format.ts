const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export const formatTime = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');
export const formatNumber = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : number.format(n);
export const formatCount = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : integer.format(n);

/** "3 min ago", "2 d ago": how stale a device is, at a glance. */
export function formatAgo(iso: string | null | undefined, nowMs = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, (nowMs - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${oneDecimal.format(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${oneDecimal.format(ms / 3_600_000)} h`;
}
