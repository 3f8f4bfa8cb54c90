/** The copilot chat panel in `<aside id="copilot">`: a question box, then each answer with its steps and sources. */
import { ApiError } from '../api.js';
import { fill, h, type Child } from '../dom.js';
import { askCopilot, type AskAnswer, type Citation, type Step } from './ask-stream.js';

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** One tool call, folded: its arguments, the SQL it ran with the rows, or why it was refused. */
function stepView(step: Step): HTMLElement {
  return h(
    'details',
    { class: `copilot-step${step.ok ? '' : ' refused'}` },
    h(
      'summary',
      {},
      h('code', {}, step.tool),
      ` ${step.ok ? '✓' : '✗'} ${step.ms} ms`,
      step.sql ? ` · ${step.sql.rows} rows` : '',
    ),
    h('pre', { class: 'copilot-args' }, json(step.args)),
    step.sql ? h('pre', { class: 'copilot-sql' }, step.sql.statement) : null,
    step.error ? h('p', { class: 'copilot-refusal' }, step.error) : null,
  );
}

/** A source chip; only http(s) sources become links, so a hostile document cannot plant a javascript: URL. */
function citationView(c: Citation): HTMLElement {
  if (c.kind === 'query') return h('span', { class: 'chip', title: c.detail }, `${c.tool}: ${c.detail}`);
  const safe = /^https?:\/\//i.test(c.source);
  return safe
    ? h('a', { class: 'chip', href: c.source, target: '_blank', rel: 'noopener noreferrer', title: c.source }, c.title)
    : h('span', { class: 'chip', title: c.source }, c.title);
}

function answerFooter(a: AskAnswer): Child[] {
  return [
    a.citations.length
      ? h('div', { class: 'copilot-citations', 'aria-label': 'Sources' }, ...a.citations.map(citationView))
      : null,
    a.stopped ? h('p', { class: 'muted' }, `stopped: ${a.stopped}`) : null,
    h(
      'p',
      { class: 'muted copilot-usage' },
      `${a.usage.model} · ${a.usage.inputTokens + a.usage.outputTokens} tokens · ${a.usage.toolCalls} tool calls`,
    ),
  ];
}

/** Asks one question into a new turn of the log; returns the conversation to continue, if the copilot answered. */
async function ask(
  log: HTMLElement,
  question: string,
  conversationId: string | undefined,
): Promise<string | undefined> {
  const text = h('div', { class: 'copilot-answer' });
  const steps = h('div', { class: 'copilot-steps' });
  const footer = h('div');
  const turn = h(
    'article',
    { class: 'copilot-turn', 'data-state': 'asking', 'aria-busy': 'true' },
    h('p', { class: 'copilot-question' }, question),
    steps,
    text,
    footer,
  );
  log.append(turn);
  turn.scrollIntoView({ block: 'end' });
  try {
    const answer = await askCopilot(question, conversationId, {
      text: (delta) => text.append(delta),
      step: (step) => steps.append(stepView(step)),
    });
    text.textContent = answer.answer;
    fill(steps, ...answer.steps.map(stepView));
    fill(footer, ...answerFooter(answer));
    turn.dataset.state = 'done';
    return answer.conversationId;
  } catch (err) {
    const status = err instanceof ApiError ? `${err.status}: ` : '';
    fill(footer, h('div', { class: 'copilot-error', role: 'alert' }, `${status}${(err as Error).message}`));
    turn.dataset.state = 'error';
    return conversationId;
  } finally {
    turn.removeAttribute('aria-busy');
  }
}

/** Fills the slot and shows it; the conversation id is kept across questions until "New conversation". */
export function mountCopilot(slot: HTMLElement): void {
  let conversationId: string | undefined;
  const log = h('div', { class: 'copilot-log', 'aria-live': 'polite' });
  const input = h('textarea', {
    name: 'question',
    rows: 3,
    maxlength: 4000,
    placeholder: 'Ask about readings, alerts, forecasts…',
    'aria-label': 'Question',
  });
  const send = h('button', { type: 'submit' }, 'Ask');
  const form = h('form', { class: 'copilot-form' }, input, send);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const question = input.value.trim();
    if (!question || send.disabled) return;
    input.value = '';
    send.disabled = true;
    void ask(log, question, conversationId).then((id) => {
      conversationId = id;
      slot.dataset.conversation = id ?? '';
      send.disabled = false;
    });
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  const restart = h('button', { type: 'button', class: 'link' }, 'New conversation');
  restart.addEventListener('click', () => {
    conversationId = undefined;
    delete slot.dataset.conversation;
    log.replaceChildren();
  });
  fill(slot, h('div', { class: 'copilot-head' }, h('h2', {}, 'Copilot'), restart), log, form);
  slot.hidden = false;
}
