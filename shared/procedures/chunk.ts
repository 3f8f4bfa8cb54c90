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

/** Paragraph groups of at most MAX_CHUNK_CHARS; a longer paragraph stays whole. */
function pieces(body: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const paragraph of body
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    if (current && current.length + paragraph.length + 2 > MAX_CHUNK_CHARS) {
      out.push(current);
      current = paragraph;
    } else current = current ? `${current}\n\n${paragraph}` : paragraph;
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
