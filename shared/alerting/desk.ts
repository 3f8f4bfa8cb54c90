import type { Bus } from '../bus/port.js';
import type { IncidentRow } from '../warehouse/schema/tables.js';
import type { AlertCommand } from './alert-message.js';
import type { IncidentFilter, IncidentReads } from './reads.js';

/** A person's command on an incident: acknowledge or resolve it. */
export type PersonCommand = Exclude<AlertCommand, { command: 'sweep' }>;

/**
 * What people's use of incidents needs (the API, the dashboard through it, and the CLI): their current state,
 * and the way to the notify function that owns them. Its own small port, so the other read ports stay as they are.
 */
export interface IncidentDesk {
  /** The latest row of each incident the filter selects, newest change first. */
  current(filter: IncidentFilter): Promise<IncidentRow[]>;
  /** Publishes a valid command on the alerts topic; answers the bus's message id. */
  send(command: PersonCommand): Promise<string>;
}

/** The desk over the incidents' read port and the bus, each opened on first use. */
export function incidentDesk(
  reads: () => Promise<Pick<IncidentReads, 'currentIncidents'>>,
  bus: () => Promise<Pick<Bus, 'publish'>>,
): IncidentDesk {
  let openReads: ReturnType<typeof reads> | undefined;
  let openBus: ReturnType<typeof bus> | undefined;
  const retried = <T>(p: Promise<T>, reset: () => void) =>
    p.catch((error: unknown) => {
      reset();
      throw error;
    });
  return {
    current: async (filter) =>
      (await (openReads ??= retried(reads(), () => (openReads = undefined)))).currentIncidents(filter),
    send: async (command) => {
      const b = await (openBus ??= retried(bus(), () => (openBus = undefined)));
      const [id] = await b.publish('alerts', [
        { data: JSON.stringify(command), attributes: { kind: command.command } },
      ]);
      return id as string;
    },
  };
}
