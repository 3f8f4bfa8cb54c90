import { z } from 'zod';

/** One series the forecast function forecasts on every tick, with the registry name of its model. */
export interface ForecastTarget {
  readonly deviceId: string;
  readonly metric: string;
  readonly model: string;
}

const target = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}:[a-z][a-z0-9_]{0,63}=[a-z][a-z0-9-]{1,63}$/,
    "'<deviceId>:<metric>=<model>'",
  )
  .transform((spec): ForecastTarget => {
    const [series, model] = spec.split('=') as [string, string];
    const cut = series.lastIndexOf(':');
    return { deviceId: series.slice(0, cut), metric: series.slice(cut + 1), model };
  });

/** KILOWATCH_FORECAST_TARGETS: a comma-separated list of `<deviceId>:<metric>=<model>`. */
export const forecastTargets = z
  .string()
  .transform((text) => text.split(',').filter((s) => s.trim() !== ''))
  .pipe(z.array(target).min(1, 'at least one <deviceId>:<metric>=<model>'));
