/** Canonical units and the variants devices really send, with the conversion to the canonical unit. */

interface Variant {
  readonly scale: number;
  readonly offset?: number;
}

type UnitTable = Record<string, Record<string, Variant>>;

const FAHRENHEIT: Variant = { scale: 5 / 9, offset: -32 * (5 / 9) };
const KELVIN: Variant = { scale: 1, offset: -273.15 };

// Inner keys are spelled as SI writes them: case carries the prefix (m is milli, M is mega).
const UNITS: UnitTable = {
  kWh: { mWh: { scale: 1e-6 }, Wh: { scale: 1e-3 }, kWh: { scale: 1 }, MWh: { scale: 1e3 }, GWh: { scale: 1e6 } },
  kVArh: {
    varh: { scale: 1e-3 },
    kvarh: { scale: 1 },
    Mvarh: { scale: 1e3 },
    VArh: { scale: 1e-3 },
    kVArh: { scale: 1 },
    MVArh: { scale: 1e3 },
    'var.h': { scale: 1e-3 },
    'kvar.h': { scale: 1 },
    kvah_r: { scale: 1 },
  },
  kW: { mW: { scale: 1e-6 }, W: { scale: 1e-3 }, kW: { scale: 1 }, MW: { scale: 1e3 }, GW: { scale: 1e6 } },
  kVAr: {
    var: { scale: 1e-3 },
    kvar: { scale: 1 },
    Mvar: { scale: 1e3 },
    VAr: { scale: 1e-3 },
    kVAr: { scale: 1 },
    MVAr: { scale: 1e3 },
  },
  '°C': {
    '°C': { scale: 1 },
    C: { scale: 1 },
    degC: { scale: 1 },
    celsius: { scale: 1 },
    '°F': FAHRENHEIT,
    F: FAHRENHEIT,
    degF: FAHRENHEIT,
    fahrenheit: FAHRENHEIT,
    K: KELVIN,
    kelvin: KELVIN,
  },
  bar: {
    bar: { scale: 1 },
    mbar: { scale: 1e-3 },
    mPa: { scale: 1e-8 },
    Pa: { scale: 1e-5 },
    hPa: { scale: 1e-3 },
    kPa: { scale: 1e-2 },
    MPa: { scale: 10 },
    psi: { scale: 0.0689475729 },
    atm: { scale: 1.01325 },
  },
  'mm/s': { 'mm/s': { scale: 1 }, 'm/s': { scale: 1e3 }, 'in/s': { scale: 25.4 }, ips: { scale: 25.4 } },
  '%': { '%': { scale: 1 }, percent: { scale: 1 }, pct: { scale: 1 }, ratio: { scale: 100 } },
  t: { t: { scale: 1 }, tCO2: { scale: 1 }, kg: { scale: 1e-3 }, kgCO2: { scale: 1e-3 } },
  h: { h: { scale: 1 }, min: { scale: 1 / 60 }, s: { scale: 1 / 3600 } },
  A: { mA: { scale: 1e-3 }, A: { scale: 1 }, kA: { scale: 1e3 }, MA: { scale: 1e6 } },
  V: { mV: { scale: 1e-3 }, V: { scale: 1 }, kV: { scale: 1e3 }, MV: { scale: 1e6 } },
  'l/min': { 'l/min': { scale: 1 }, 'm3/h': { scale: 1000 / 60 }, 'l/s': { scale: 60 } },
  units: { units: { scale: 1 }, pcs: { scale: 1 }, count: { scale: 1 } },
};

export const CANONICAL_UNITS = Object.keys(UNITS);

export type Conversion =
  | { ok: true; convert: (v: number) => number; converted: boolean }
  | { ok: false; accepted: string[]; ambiguous?: string[] };

const IDENTITY = (v: number) => v;
const cache = new Map<string, Conversion>();

const fold = (unit: string) =>
  unit
    .toLowerCase()
    .replace(/^deg\s*/, 'deg')
    .replace(/\s+/g, '');

/**
 * The variant `sent` names: its exact SI spelling, else the only variant it matches ignoring case and
 * spaces ('KWH' is kWh). A spelling that matches two ('mw': mW or MW, nine orders of magnitude apart) is
 * ambiguous and refused rather than guessed.
 */
function variantOf(variants: Record<string, Variant>, sent: string): { variant?: Variant; ambiguous?: string[] } {
  const trimmed = sent.trim();
  if (Object.hasOwn(variants, trimmed)) return { variant: variants[trimmed] };
  const folded = fold(trimmed);
  const matches = Object.keys(variants).filter((name) => fold(name) === folded);
  const distinct = new Set(matches.map((name) => `${variants[name]!.scale}|${variants[name]!.offset ?? 0}`));
  if (distinct.size > 1) return { ambiguous: matches };
  return matches.length > 0 ? { variant: variants[matches[0]!] } : {};
}

/** How to turn a value sent in `sent` into `canonical`; `sent` undefined means the canonical unit. */
export function conversionTo(canonical: string, sent: string | undefined): Conversion {
  if (sent === undefined || sent === canonical) return { ok: true, convert: IDENTITY, converted: false };
  const key = `${canonical}\u0000${sent}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const variants = Object.hasOwn(UNITS, canonical) ? UNITS[canonical] : undefined;
  const { variant: v, ambiguous } = variants ? variantOf(variants, sent) : {};
  let result: Conversion;
  if (!v) {
    result = {
      ok: false,
      accepted: variants ? Object.keys(variants) : [canonical],
      ...(ambiguous ? { ambiguous } : {}),
    };
  } else if (v.scale === 1 && !v.offset) {
    result = { ok: true, convert: IDENTITY, converted: false };
  } else {
    const { scale, offset = 0 } = v;
    result = { ok: true, convert: (x) => x * scale + offset, converted: true };
  }
  if (cache.size < 10_000) cache.set(key, result);
  return result;
}
