import { Command, Option } from 'commander';
import { INCIDENT_STATES, type IncidentRow } from '../../warehouse/schema/tables.js';
import { loadConfig } from '../../config/env.js';
import { incidentText } from '../../alerting/payloads.js';
import { listIncidents, recentFilter, sendIncidentCommand } from '../../alerting/incident-use-cases.js';
import { openBus } from '../../runtime/adapters.js';

function parseStates(text: string): Array<IncidentRow['state']> {
  const states = text.split(',').map((s) => s.trim());
  for (const s of states) {
    if (!(INCIDENT_STATES as readonly string[]).includes(s))
      throw new Error(`--state: '${s}' is not one of ${INCIDENT_STATES.join(', ')}`);
  }
  return states as Array<IncidentRow['state']>;
}

const list = new Command('list')
  .description('incidents open or acknowledged, and those changed in the last 7 days, newest change first')
  .addOption(new Option('--state <states>', `comma-separated: ${INCIDENT_STATES.join(', ')}`))
  .option('--device <id>', 'only this device (a storm is <site>/*)')
  .option('--json', 'JSON rows instead of lines')
  .action(async (flags: { state?: string; device?: string; json?: boolean }) => {
    const rows = await listIncidents(loadConfig(), {
      ...recentFilter(),
      ...(flags.state ? { states: parseStates(flags.state) } : {}),
      ...(flags.device ? { deviceId: flags.device } : {}),
    });
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
      const bus = await openBus(loadConfig());
      try {
        const messageId = await sendIncidentCommand(bus, { command: name, incidentId, by: flags.by });
        process.stdout.write(`${JSON.stringify({ sent: name, incidentId, by: flags.by, messageId })}\n`);
      } finally {
        await bus.close();
      }
    });
}

export const alertsCommand = new Command('alerts')
  .description('incidents: list them, acknowledge or resolve one')
  .addCommand(list)
  .addCommand(
    personCommand('acknowledge', 'take an open incident (the notify function records who and when, and notifies)'),
  )
  .addCommand(personCommand('resolve', 'close an incident; its cooldown starts now'));
