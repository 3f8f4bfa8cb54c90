import { Command, Option } from 'commander';
import type { Bus } from '../../bus/port.js';
import { INCIDENT_STATES } from '../../warehouse/schema/tables.js';
import { loadConfig } from '../../config/env.js';
import { incidentText } from '../../alerting/payloads.js';
import { incidentDesk, type IncidentDesk } from '../../alerting/desk.js';
import {
  commandIncident,
  currentIncidents,
  INCIDENTS_MAX,
  listIncidents,
  parseIncidentStates,
} from '../../alerting/incident-use-cases.js';
import { openBus } from '../../runtime/adapters.js';

/** The incidents of a running `npm start` (or the warehouse), and the bus, opened only when a command is sent. */
async function withDesk<T>(use: (desk: IncidentDesk) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let bus: Bus | undefined;
  const desk = incidentDesk(
    () => Promise.resolve({ currentIncidents: (filter) => listIncidents(config, filter) }),
    async () => (bus = await openBus(config)),
  );
  try {
    return await use(desk);
  } finally {
    await bus?.close();
  }
}

function states(text: string) {
  const parsed = parseIncidentStates(text);
  if ('error' in parsed) throw new Error(`--state: ${parsed.error}`);
  return parsed;
}

const list = new Command('list')
  .description('incidents open or acknowledged, and those changed in the last 7 days, newest change first')
  .addOption(new Option('--state <states>', `comma-separated: ${INCIDENT_STATES.join(', ')}`))
  .option('--device <id>', 'only this device (a storm is <site>/*)')
  .option('--json', 'JSON rows instead of lines')
  .action(async (flags: { state?: string; device?: string; json?: boolean }) => {
    const { incidents: rows } = await withDesk((desk) =>
      currentIncidents(
        desk,
        {
          limit: INCIDENTS_MAX,
          ...(flags.state ? { states: states(flags.state) } : {}),
          ...(flags.device ? { deviceId: flags.device } : {}),
        },
        Date.now(),
      ),
    );
    if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else for (const r of rows) process.stdout.write(`${r.state.padEnd(12)} ${incidentText(r)}\n`);
  });

/** acknowledge / resolve: the command goes to the notify function over the alerts topic. */
function personCommand(name: 'acknowledge' | 'resolve', description: string): Command {
  return new Command(name)
    .description(description)
    .argument('<incident-id>', 'the incident (32 hex digits, from `alerts list`)')
    .requiredOption('--by <who>', 'who does it (recorded and notified)')
    .action(async (incidentId: string, flags: { by: string }) => {
      const sent = await withDesk((desk) => commandIncident(desk, { command: name, incidentId, by: flags.by }));
      process.stdout.write(
        `${JSON.stringify({ sent: name, incidentId, by: sent.by, messageId: sent.messageId, stateBefore: sent.stateBefore })}\n`,
      );
    });
}

export const alertsCommand = new Command('alerts')
  .description('incidents: list them, acknowledge or resolve one')
  .addCommand(list)
  .addCommand(
    personCommand('acknowledge', 'take an open incident (the notify function records who and when, and notifies)'),
  )
  .addCommand(personCommand('resolve', 'close an incident; its cooldown starts now'));
