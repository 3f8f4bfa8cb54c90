/** A piece of a procedure document, small enough to quote, with an id an answer can cite. */
export interface Chunk {
  /** `<document key>#<section slug>` plus `-<n>` when a section is split. */
  readonly id: string;
  readonly source: string;
  readonly title: string;
  readonly heading: string;
  readonly text: string;
}

const MAX_CHUNK_CHARS = 1_200;

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'section'
  );
}

/** Groups of paragraphs (or lines) of at most MAX_CHUNK_CHARS; a longer paragraph stays whole. */
function pieces(body: string, separator = /\n\s*\n/, joiner = '\n\n'): string[] {
  const out: string[] = [];
  let current = '';
  for (const paragraph of body
    .split(separator)
    .map((p) => p.trim())
    .filter(Boolean)) {
    if (current && current.length + paragraph.length + joiner.length > MAX_CHUNK_CHARS) {
      out.push(current);
      current = paragraph;
    } else current = current ? `${current}${joiner}${paragraph}` : paragraph;
  }
  if (current) out.push(current);
  return out;
}

/** A Markdown document in sections (by # and ## headings), each split by paragraphs when long. */
export function chunkMarkdown(source: string, markdown: string): Chunk[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const title =
    lines
      .find((l) => /^#\s/.test(l))
      ?.replace(/^#\s+/, '')
      .trim() ?? source;
  const sections: Array<{ heading: string; body: string[] }> = [{ heading: title, body: [] }];
  for (const line of lines) {
    const h = /^#{1,3}\s+(.*)$/.exec(line);
    if (h) sections.push({ heading: (h[1] ?? '').trim(), body: [] });
    else sections.at(-1)?.body.push(line);
  }
  const chunks: Chunk[] = [];
  const seen = new Map<string, number>();
  for (const section of sections) {
    const parts = pieces(section.body.join('\n'));
    const base = slug(section.heading);
    parts.forEach((text) => {
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      const suffix = n === 0 ? '' : `-${n + 1}`;
      chunks.push({ id: `${source}#${base}${suffix}`, source, title, heading: section.heading, text });
    });
  }
  return chunks;
}

/**
 * A PDF's pages, each a section (`<key>#page-<n>`, `-<k>` when split): extracted text keeps lines, not
 * headings, so a page is the unit an answer can cite. The title is the first line of the first page.
 */
export function chunkPdfPages(source: string, pages: readonly string[]): Chunk[] {
  const title =
    pages
      .join('\n')
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? source;
  return pages.flatMap((page, i) =>
    pieces(page, /\n/, '\n').map((text, k) => ({
      id: `${source}#page-${i + 1}${k === 0 ? '' : `-${k + 1}`}`,
      source,
      title,
      heading: `page ${i + 1}`,
      text,
    })),
  );
}
