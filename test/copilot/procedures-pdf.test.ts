import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalFolderStore } from '../../shared/objects/local-folder.js';
import type { Chunk } from '../../shared/procedures/chunk.js';
import { loadCorpus } from '../../shared/procedures/corpus.js';
import { ProcedureIndex } from '../../shared/procedures/search.js';

/** A two-page manual: a cover page, then the procedure as lines of text. */
async function manual(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pages = [
    ['Cooling Tower Maintenance Manual', 'Site handbook, revision 3'],
    [
      'Fan belt replacement',
      'Lock out and tag out the cooling tower fan motor before any work.',
      'Loosen the motor base and remove the worn fan belt.',
      'Fit the new belt, tension it to 10 mm deflection at the span midpoint.',
      'Run the fan for 15 minutes, then check the belt tension again.',
    ],
  ];
  for (const lines of pages) {
    const page = doc.addPage([595, 842]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 20, size: 12, font }));
  }
  return doc.save();
}

let dir: string;
let chunks: Chunk[];
let warnings: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kw-pdf-'));
  await cp('data/procedures', dir, { recursive: true });
  await writeFile(join(dir, 'cooling-tower-manual.pdf'), await manual());
  await writeFile(join(dir, 'corrupt.pdf'), Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n%%EOF'));
  await writeFile(join(dir, 'truncated.pdf'), (await manual()).slice(0, 300));
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    chunks = await loadCorpus(new LocalFolderStore(dir), '');
    warnings = spy.mock.calls.map((c) => String(c[0]));
  } finally {
    spy.mockRestore();
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('procedure corpus with PDF manuals', () => {
  it('chunks a PDF by page, titled by its first line', () => {
    const pdf = chunks.filter((c) => c.source === 'cooling-tower-manual.pdf');
    expect(pdf.map((c) => c.id)).toEqual(['cooling-tower-manual.pdf#page-1', 'cooling-tower-manual.pdf#page-2']);
    expect(pdf[0]!.title).toBe('Cooling Tower Maintenance Manual');
    expect(pdf[1]!.heading).toBe('page 2');
    expect(pdf[1]!.text).toContain('tension it to 10 mm deflection');
    expect(chunks.some((c) => c.source === 'stuck-or-tampered-meter.md')).toBe(true);
  });

  it('skips corrupt and truncated PDFs with a logged reason', () => {
    expect(chunks.some((c) => c.source === 'corrupt.pdf' || c.source === 'truncated.pdf')).toBe(false);
    for (const name of ['corrupt.pdf', 'truncated.pdf']) {
      const line = warnings.find((w) => w.includes('procedure PDF skipped') && w.includes(name));
      expect(line, name).toBeDefined();
    }
  });

  it('finds and cites the PDF page beside the Markdown procedures', async () => {
    const index = await ProcedureIndex.build(chunks);
    const answer = await index.search('How do I replace the cooling tower fan belt?');
    expect(answer.found).toBe(true);
    expect(answer.hits[0]!.chunk.id).toBe('cooling-tower-manual.pdf#page-2');
    expect((await index.search('What is the procedure for a stuck meter?')).hits[0]!.chunk.source).toBe(
      'stuck-or-tampered-meter.md',
    );
    expect((await index.search('How do I replace a turbine blade?')).found).toBe(false);
  });
});
