import type { CopilotTool } from '../tool.js';
import { explainAnomalyTool, listAnomaliesTool } from './anomalies.js';
import type { CopilotDeps } from './deps.js';
import { forecastTool } from './forecast.js';
import { listIncidentsTool } from './incidents.js';
import { maintenanceTool } from './maintenance.js';
import {
  copilotUsageTool,
  listDevicesTool,
  pipelineHealthTool,
  runSqlTool,
  searchProceduresTool,
} from './operations.js';
import { seriesStatsTool } from './series.js';
import { whatIfPowerFactorTool, whatIfShiftTool } from './what-if.js';

/** Every tool the copilot offers the model, bound to its dependencies. */
export function copilotTools(deps: CopilotDeps): CopilotTool[] {
  return [
    seriesStatsTool(deps),
    listDevicesTool(deps),
    listAnomaliesTool(deps),
    explainAnomalyTool(deps),
    listIncidentsTool(deps),
    forecastTool(deps),
    whatIfShiftTool(deps),
    whatIfPowerFactorTool(deps),
    maintenanceTool(deps),
    searchProceduresTool(deps),
    pipelineHealthTool(deps),
    copilotUsageTool(deps),
    runSqlTool(deps),
  ];
}
