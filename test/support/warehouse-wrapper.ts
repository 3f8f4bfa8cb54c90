import type { Warehouse } from '../../shared/warehouse/port.js';

/**
 * A warehouse whose writes `insert` decides (to fail some, as an outage would) and whose every other port
 * method is `inner`'s. Methods are bound one by one: spreading a class instance would drop them.
 */
export function withInsert(inner: Warehouse, insert: Warehouse['insert']): Warehouse {
  return {
    init: () => inner.init(),
    insert,
    recentReadings: (...a) => inner.recentReadings(...a),
    knownReadings: (...a) => inner.knownReadings(...a),
    readingsBetween: (...a) => inner.readingsBetween(...a),
    latestForecasts: (...a) => inner.latestForecasts(...a),
    counts: () => inner.counts(),
    close: () => inner.close(),
  };
}
