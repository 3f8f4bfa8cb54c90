import { http } from '@google-cloud/functions-framework';
import { handleCopilotHttp } from '../../shared/copilot/http.js';
import { copilotRuntime } from '../../shared/runtime/copilot-runtime.js';

/** HTTP function `copilot`: POST /v1/ask (JSON or server-sent events) and POST /v1/sql (guarded SQL). */
http('copilot', async (req, res) => {
  const runtime = await copilotRuntime();
  await handleCopilotHttp(
    {
      ask: runtime.ask,
      sql: runtime.sql,
      sqlMaxRows: runtime.config.KILOWATCH_SQL_MAX_ROWS,
      trustIap: runtime.config.KILOWATCH_COPILOT_TRUST_IAP,
    },
    req,
    res,
  );
});
