/** Canonical units and the variants devices really send, with the conversion to the canonical unit. */

interface Variant {
  readonly scale: number;
  readonly offset?: number;
}

type UnitTable = Record<string, Record<string, Variant>>;

// Keys of the inner maps are lower-cased spellings; the outer key is the canonical unit.
const UNITS: UnitTable = {
  kWh: { wh: { scale: 1e-3 }, kwh: { scale: 1 }, mwh: { scale: 1e3 }, gwh: { scale: 1e6 } },
  kVArh: {
    varh: { scale: 1e-3 }, kvarh: { scale: 1 }, mvarh: { scale: 1e3 },
    'var.h': { scale: 1e-3 }, 'kvar.h': { scale: 1 }, kvah_r: { scale: 1 },
  },
  kW: { w: { scale: 1e-3 }, kw: { scale: 1 }, mw: { scale: 1e3 } },
  kVAr: { var: { scale: 1e-3 }, kvar: { scale: 1 }, mvar: { scale: 1e3 } },
  '°C': {
    '°c': { scale: 1 }, c: { scale: 1 }, degc: { scale: 1 }, celsius: { scale: 1 },
    '°f': { scale: 5 / 9, offset: -32 * (5 / 9) }, f: { scale: 5 / 9, offset: -32 * (5 / 9) },
    degf: { scale: 5 / 9, offset: -32 * (5 / 9) }, fahrenheit: { scale: 5 / 9, offset: -32 * (5 / 9) },
    k: { scale: 1, offset: -273.15 }, kelvin: { scale: 1, offset: -273.15 },
  },
  bar: {
    bar: { scale: 1 }, mbar: { scale: 1e-3 }, pa: { scale: 1e-5 }, kpa: { scale: 1e-2 },
    mpa: { scale: 10 }, psi: { scale: 0.0689475729 }, atm: { scale: 1.01325 },
  },
  'mm/s': { 'mm/s': { scale: 1 }, 'm/s': { scale: 1e3 }, 'in/s': { scale: 25.4 }, ips: { scale: 25.4 } },
  '%': { '%': { scale: 1 }, percent: { scale: 1 }, pct: { scale: 1 }, ratio: { scale: 100 } },
  t: { t: { scale: 1 }, tco2: { scale: 1 }, kg: { scale: 1e-3 }, kgco2: { scale: 1e-3 } },
  h: { h: { scale: 1 }, min: { scale: 1 / 60 }, s: { scale: 1 / 3600 } },
  A: { a: { scale: 1 }, ma: { scale: 1e-3 }, ka: { scale: 1e3 } },
  V: { v: { scale: 1 }, kv: { scale: 1e3 }, mv: { scale: 1e-3 } },
  'l/min': { 'l/min': { scale: 1 }, 'm3/h': { scale: 1000 / 60 }, 'l/s': { scale: 60 } },
  units: { units: { scale: 1 }, pcs: { scale: 1 }, count: { scale: 1 } },
};

export const CANONICAL_UNITS = Object.keys(UNITS);

export type Conversion =
  | { ok: true; convert: (v: number) => number; converted: boolean }
  | { ok: false; accepted: string[] };

const IDENTITY = (v: number) => v;
const cache = new Map<string, Conversion>();

/** How to turn a value sent in `sent` into `canonical`; `sent` undefined means the canonical unit. */
export function conversionTo(canonical: string, sent: string | undefined): Conversion {
  if (sent === undefined || sent === canonical) return { ok: true, convert: IDENTITY, converted: false };
  const key = `${canonical}\u0000${sent}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const variants = Object.hasOwn(UNITS, canonical) ? UNITS[canonical] : undefined;
  const spelled = sent.trim().toLowerCase().replace(/^deg\s*/, 'deg').replace(/\s+/g, '');
  const v = variants && Object.hasOwn(variants, spelled) ? variants[spelled] : undefined;
  let result: Conversion;
  if (!v) {
    result = { ok: false, accepted: variants ? [canonical, ...Object.keys(variants)] : [canonical] };
  } else if (v.scale === 1 && !v.offset) {
    result = { ok: true, convert: IDENTITY, converted: false };
  } else {
    const { scale, offset = 0 } = v;
    result = { ok: true, convert: (x) => x * scale + offset, converted: true };
  }
  if (cache.size < 10_000) cache.set(key, result);
  return result;
}
