/**
 * Adds the training reference distribution (drift watch) to a committed forecast card without retraining: the
 * target's values of the card's training window, read from the CSV the model was trained on.
 *
 *   npx tsx training/steel/reference.ts models/steel-forecast data/steel/Steel_industry_data.csv
 *
 * The trainer (training/kwtrain/forecast.py) writes the same field for new models.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { referenceOf } from '../../shared/drift/statistics.js';
import { modelCard } from '../../shared/models/card.js';

const [dir, csv] = process.argv.slice(2);
if (!dir || !csv) throw new Error('usage: reference.ts <model dir> <training csv>');
const cardPath = join(dir, 'card.json');
const card = modelCard.parse(JSON.parse(readFileSync(cardPath, 'utf8')));
const target = String(card.params.target);
const zone = String(card.params.timezone);
const from = Date.parse(card.training.from);
const to = Date.parse(card.training.to);
const rows: Array<Record<string, string>> = parse(readFileSync(csv, 'utf8'), { columns: true, bom: true });
const column = Object.keys(rows[0] ?? {}).find((k) => k.toLowerCase() === target.toLowerCase());
if (!column) throw new Error(`${csv}: no column ${target}`);
const values = rows
  .filter((r) => {
    const ms = DateTime.fromFormat(String(r.date), 'dd/MM/yyyy HH:mm', { zone }).toMillis();
    return ms >= from && ms <= to;
  })
  .map((r) => Number(r[column]))
  .filter(Number.isFinite);
if (values.length !== card.training.rows)
  throw new Error(`${values.length} values in the training window, the card says ${card.training.rows}`);
// Appended as one field, the rest of the file byte for byte (a re-serialisation would reformat the golden arrays).
const text = readFileSync(cardPath, 'utf8').replace(/,\n {2}"reference": .*\n}\s*$/, '\n}\n');
const field = `  "reference": ${JSON.stringify({ [target]: referenceOf(values) })}`;
writeFileSync(cardPath, text.replace(/\n}\s*$/, `,\n${field}\n}\n`));
modelCard.parse(JSON.parse(readFileSync(cardPath, 'utf8')));
process.stdout.write(`${cardPath}: reference of ${target} from ${values.length} training values\n`);
