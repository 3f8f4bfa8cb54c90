import type { Bus, Destination } from '../bus/port.js';
import { countsByFault, type FaultType } from './faults.js';
import { simulate, simulationOptions, ticksOf, type SimulationInput } from './generator.js';
import { LineWriter, MessageBatcher, PacedPublisher } from './output.js';

export interface RunSinks {
  /** Readings per message and bytes per message (the ingest function's limits). */
  readonly batch: number;
  readonly maxBytes: number;
  /** One published message per line: what `kilowatch clean --input` reads. */
  readonly outPath?: string;
  /** One label per line. */
  readonly labelsPath?: string;
  readonly bus?: Bus;
  /** Messages per second when publishing; 0 for as fast as the bus accepts. */
  readonly messagesPerSecond?: number;
  /** Topic published to (default: the shared `readings` topic). */
  readonly to?: Destination;
}

export interface RunSummary {
  readonly readings: number;
  readonly messages: number;
  readonly labels: Record<FaultType, number>;
  readonly machines: number;
  readonly start: string;
  readonly end: string;
  readonly intervalS: number;
  readonly seed: number;
  readonly published: number;
  readonly out?: string;
  readonly labelsFile?: string;
}

/** Generates the plant's readings and sends every message to the file and/or the bus, labels to their file. */
export async function runSimulation(input: SimulationInput, sinks: RunSinks): Promise<RunSummary> {
  const options = simulationOptions.parse(input);
  const batcher = new MessageBatcher(sinks.batch, sinks.maxBytes);
  const out = sinks.outPath ? new LineWriter(sinks.outPath) : undefined;
  const labelsOut = sinks.labelsPath ? new LineWriter(sinks.labelsPath) : undefined;
  const publisher = sinks.bus ? new PacedPublisher(sinks.bus, sinks.messagesPerSecond ?? 0, sinks.to) : undefined;
  const labels = countsByFault();
  let readings = 0;
  let messages = 0;
  const send = async (message: string) => {
    messages++;
    await out?.write(message);
    await publisher?.publish(message);
  };
  try {
    for (const item of simulate(options)) {
      readings++;
      for (const label of item.labels) {
        labels[label.fault]++;
        await labelsOut?.write(JSON.stringify(label));
      }
      for (const message of batcher.add(item.reading)) await send(message);
    }
    const rest = batcher.flush();
    if (rest !== undefined) await send(rest);
    await publisher?.drain();
  } finally {
    await Promise.all([out?.close(), labelsOut?.close()]);
  }
  const lastTick = Math.max(0, ticksOf(options) - 1);
  return {
    readings,
    messages,
    labels,
    machines: options.machines,
    start: new Date(options.startMs).toISOString(),
    end: new Date(options.startMs + lastTick * options.intervalS * 1000).toISOString(),
    intervalS: options.intervalS,
    seed: options.seed,
    published: publisher?.published ?? 0,
    ...(sinks.outPath ? { out: sinks.outPath } : {}),
    ...(sinks.labelsPath ? { labelsFile: sinks.labelsPath } : {}),
  };
}
