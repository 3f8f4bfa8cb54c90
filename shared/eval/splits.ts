/**
 * Documented tuning splits. Design choices were compared on split A only; split B is reported as held out.
 * NAB: within each category, files in name order alternate A, B, A, ... SKAB valve1: files 0–7 A, 8–15 B.
 */
export function nabSplit(names: readonly string[]): { A: string[]; B: string[] } {
  const byCategory = new Map<string, string[]>();
  for (const name of names) {
    const category = name.split('/')[0] as string;
    byCategory.set(category, [...(byCategory.get(category) ?? []), name]);
  }
  const A: string[] = [];
  const B: string[] = [];
  for (const files of byCategory.values()) files.sort().forEach((f, i) => (i % 2 === 0 ? A : B).push(f));
  return { A: A.sort(), B: B.sort() };
}

export function skabSplit(names: readonly string[]): { A: string[]; B: string[] } {
  const index = (n: string) => Number.parseInt(n.split('/').pop() as string, 10);
  return { A: names.filter((n) => index(n) <= 7), B: names.filter((n) => index(n) >= 8) };
}
