import { describe, expect, it } from 'vitest';
import { cleanOrderingKey } from '../../shared/ingest/clean-publisher.js';

describe('readings-clean ordering keys', () => {
  it('maps a device to one stable key and spreads a fleet over all eight', () => {
    const devices = Array.from({ length: 200 }, (_, i) => `sim-plant/machine-${String(i).padStart(3, '0')}`);
    const keys = devices.map(cleanOrderingKey);
    expect(devices.map(cleanOrderingKey)).toEqual(keys);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: 8 }, (_, k) => `devices-${k}`)));
    // Known values: the mapping must not change between releases, or in-flight messages of a device could reorder.
    expect(cleanOrderingKey('steel-plant/main-meter')).toBe('devices-4');
    const counts = [...new Set(keys)].map((k) => keys.filter((x) => x === k).length);
    expect(Math.min(...counts)).toBeGreaterThan(10);
  });
});
