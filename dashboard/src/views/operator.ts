import { h } from '../dom.js';

const OPERATOR_KEY = 'kilowatch.operator';

/** The "who" field of a form that records a person's act, offering the name last given. */
export function whoInput(label: string): HTMLInputElement {
  return h('input', {
    name: 'by',
    required: true,
    maxlength: 200,
    placeholder: 'your name',
    'aria-label': label,
    value: localStorage.getItem(OPERATOR_KEY) ?? '',
  });
}

/** The name given, kept for the next form. */
export function rememberWho(input: HTMLInputElement): string {
  localStorage.setItem(OPERATOR_KEY, input.value);
  return input.value;
}
