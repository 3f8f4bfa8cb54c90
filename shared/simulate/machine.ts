import type { LocalTime } from './calendar.js';
import type { Rng } from './prng.js';

/**
 * The physics of one simulated machine, before any sensor fault: a shift schedule drives the load,
 * power follows the load, temperature follows power through a first-order thermal lag on top of the
 * hall's ambient cycle, vibration grows with load, production is a count proportional to load.
 */

/** A period of extra load in the plant-local week: hours since Monday 00:00, may run past 168. */
interface ShiftBlock {
  readonly start: number;
  readonly end: number;
  /** Load added on top of the idle level while the block runs. */
  readonly load: number;
}

export const SHIFT_PATTERNS = ['two-shift', 'three-shift', 'day-shift'] as const;
export type ShiftPattern = (typeof SHIFT_PATTERNS)[number];

export interface MachineParams {
  readonly pattern: ShiftPattern;
  readonly ratedKw: number;
  /** Load between shifts (machine powered, spindles idle), as a share of rated. */
  readonly idle: number;
  readonly blocks: readonly ShiftBlock[];
  /** Width of a shift's start and end, hours (logistic scale): ramps take about 4.4 times this. */
  readonly rampH: number;
  /** Temperature above ambient at full load, °C. */
  readonly tempRiseC: number;
  /** Thermal time constant, minutes. */
  readonly tauThermalMin: number;
  /** Hall temperature offset from the plant's mean, °C. */
  readonly ambientOffsetC: number;
  readonly vibrationBase: number;
  readonly vibrationPerLoad: number;
  /** Units produced per minute at full load. */
  readonly unitsPerMinute: number;
  readonly runtimeStartH: number;
}

function weekdays(from: number, to: number, load: number, days = [0, 1, 2, 3, 4]): ShiftBlock[] {
  return days.map((d) => ({ start: d * 24 + from, end: d * 24 + to, load }));
}

export function machineParams(rng: Rng, index: number): MachineParams {
  const pattern = SHIFT_PATTERNS[index % SHIFT_PATTERNS.length] as ShiftPattern;
  const idle = rng.uniform(0.18, 0.3);
  const full = rng.uniform(0.85, 0.97);
  let blocks: ShiftBlock[];
  if (pattern === 'two-shift') {
    // 06:00-22:00 on weekdays, a lighter Saturday morning shift.
    blocks = [...weekdays(6, 22, full - idle), { start: 5 * 24 + 6, end: 5 * 24 + 14, load: (full - idle) * 0.6 }];
  } else if (pattern === 'three-shift') {
    // Continuous from Monday 06:00 to Saturday 06:00 at a lower night level, full on day shifts.
    const night = rng.uniform(0.45, 0.6);
    blocks = [{ start: 6, end: 5 * 24 + 6, load: night - idle }, ...weekdays(6, 22, full - night)];
  } else {
    blocks = weekdays(7, 16, full - idle);
  }
  return {
    pattern,
    ratedKw: rng.uniform(150, 900),
    idle,
    blocks,
    rampH: rng.uniform(0.4, 0.6),
    tempRiseC: rng.uniform(25, 40),
    tauThermalMin: rng.uniform(30, 60),
    ambientOffsetC: rng.uniform(-2, 2),
    vibrationBase: rng.uniform(0.6, 1.2),
    vibrationPerLoad: rng.uniform(2, 4),
    unitsPerMinute: rng.uniform(50, 120),
    runtimeStartH: rng.uniform(2_000, 40_000),
  };
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Scheduled load (share of rated) at a point of the local week: idle plus smoothly switched shift blocks. */
export function scheduledLoad(params: MachineParams, weekHour: number): number {
  let load = params.idle;
  for (const block of params.blocks) {
    // The week wraps: a block also counts one week earlier and later.
    for (const shift of [-168, 0, 168]) {
      const t = weekHour + shift;
      if (t < block.start - 12 || t > block.end + 12) continue;
      load += block.load * logistic((t - block.start) / params.rampH) * logistic((block.end - t) / params.rampH);
    }
  }
  return load;
}

/** The hall's temperature: a seasonal cycle (warmest late July) and a daily one (warmest mid-afternoon). */
export function ambientC(params: MachineParams, local: LocalTime): number {
  const seasonal = 6 * Math.cos((2 * Math.PI * (local.dayOfYear - 205)) / 365);
  const daily = 3 * Math.cos((2 * Math.PI * (local.dayHour - 15)) / 24);
  return 18 + params.ambientOffsetC + seasonal + daily;
}

/** True values of one instant, before measurement noise and sensor faults. */
export interface MachineTruth {
  readonly running: boolean;
  readonly load: number;
  readonly powerKw: number;
  /** Temperature without any overheating excess. */
  readonly temperatureC: number;
  readonly vibration: number;
  readonly runtimeH: number;
  /** Expected units produced in this interval. */
  readonly unitsMean: number;
}

/** Time constants of the slow processes. */
const TREND_TAU_DAYS = 3;
const TREND_SD = 0.07;
const WEAR_TAU_DAYS = 5;
const WEAR_SD = 0.08;
const LOAD_AR_TAU_MIN = 15;
const LOAD_AR_SD = 0.04;
const TEMP_AR_TAU_MIN = 10;
const TEMP_AR_SD = 0.35;
const STANDSTILL_COOLING = 2;

/** Ornstein-Uhlenbeck step: mean-reverting random walk with stationary standard deviation sd. */
function ouStep(x: number, dt: number, tau: number, sd: number, z: number): number {
  const a = Math.exp(-dt / tau);
  return x * a + sd * Math.sqrt(1 - a * a) * z;
}

export class MachinePhysics {
  private trend: number;
  private wear: number;
  private loadAr: number;
  private tempAr: number;
  private temperature: number | undefined;
  private runtime: number;

  constructor(
    readonly params: MachineParams,
    private readonly rng: Rng,
    private readonly intervalS: number,
  ) {
    this.trend = TREND_SD * rng.normal();
    this.wear = WEAR_SD * rng.normal();
    this.loadAr = LOAD_AR_SD * rng.normal();
    this.tempAr = TEMP_AR_SD * rng.normal();
    this.runtime = params.runtimeStartH;
  }

  /** Advances one interval. Always draws the same random numbers, so that faults never shift the physics. */
  step(local: LocalTime, running: boolean): MachineTruth {
    const { params, rng, intervalS } = this;
    const days = intervalS / 86_400;
    const minutes = intervalS / 60;
    this.trend = ouStep(this.trend, days, TREND_TAU_DAYS, TREND_SD, rng.normal());
    this.wear = ouStep(this.wear, days, WEAR_TAU_DAYS, WEAR_SD, rng.normal());
    this.loadAr = ouStep(this.loadAr, minutes, LOAD_AR_TAU_MIN, LOAD_AR_SD, rng.normal());
    this.tempAr = ouStep(this.tempAr, minutes, TEMP_AR_TAU_MIN, TEMP_AR_SD, rng.normal());

    const scheduled = scheduledLoad(params, local.weekHour);
    const load = running ? Math.min(1.1, Math.max(0.05, scheduled * (1 + this.trend + this.loadAr))) : 0;
    const powerKw = params.ratedKw * load;
    const ambient = ambientC(params, local);
    const steady = ambient + params.tempRiseC * load;
    if (this.temperature === undefined) this.temperature = steady;
    else {
      // Standing still, the machine's own fans stop: it cools about twice as slowly as it heats.
      const tau = running ? params.tauThermalMin : STANDSTILL_COOLING * params.tauThermalMin;
      this.temperature = steady + (this.temperature - steady) * Math.exp(-minutes / tau);
    }
    if (running) this.runtime += intervalS / 3600;
    return {
      running,
      load,
      powerKw,
      temperatureC: this.temperature + this.tempAr,
      vibration: running ? (params.vibrationBase + params.vibrationPerLoad * load) * (1 + this.wear) : 0,
      runtimeH: this.runtime,
      unitsMean: running ? params.unitsPerMinute * minutes * load : 0,
    };
  }
}
