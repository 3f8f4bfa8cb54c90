import MiniSearch from 'minisearch';
import type { Chunk } from './chunk.js';

/** Words that say nothing about which procedure is meant. */
const STOP = new Set(
  (
    'a an and are as at be by can do does for from how i in is it me my of on or our the this to we what when where which who why ' +
    'with procedure procedures process steps step guide manual instructions instruction should must need tell show give about ' +
    'our us you your there any have has was were will would could been much many some out carry into its say says said'
  ).split(' '),
);

/** A light stemmer: enough that "inspecting", "inspection" and "inspect" meet. */
export function stem(word: string): string {
  const w = word.toLowerCase();
  for (const suffix of ['ations', 'ation', 'ings', 'ing', 'ions', 'ion', 'ers', 'er', 'ed', 'es', 's']) {
    if (w.length - suffix.length >= 4 && w.endsWith(suffix)) return w.slice(0, -suffix.length);
  }
  return w.length > 4 && w.endsWith('e') ? w.slice(0, -1) : w;
}

function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  return STOP.has(t) || t.length < 2 ? null : stem(t);
}

function termsOf(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}_]+/u)
    .map((w) => processTerm(w))
    .filter((w): w is string => !!w);
}

export interface Hit {
  readonly chunk: Chunk;
  readonly score: number;
  /** Share of the question's meaningful words found in the chunk, each weighted by its rarity in the corpus. */
  readonly coverage: number;
  readonly similarity: number | null;
}

export interface SearchAnswer {
  /** False when no chunk covers the question: the corpus has no procedure for it. */
  readonly found: boolean;
  readonly hits: readonly Hit[];
}

/** The least (rarity-weighted) share of a question's meaningful words a chunk must hold to count as covering it. */
const MIN_COVERAGE = 0.6;
/** Share of a question's weight one word unknown to the corpus may carry before the question counts as off-topic. */
const MAX_UNKNOWN_SHARE = 0.3;
/** Cosine similarity that counts as a match on its own, when embeddings are on. */
const MIN_SIMILARITY = 0.8;

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export type Embed = (texts: readonly string[]) => Promise<number[][]>;

/**
 * BM25 (MiniSearch) over procedure chunks, optionally fused with embedding similarity (reciprocal rank
 * fusion) when the LLM port can embed. A question whose meaningful words the best chunks do not cover, and
 * that no chunk is close to, is answered as outside the corpus.
 */
export class ProcedureIndex {
  private readonly index = new MiniSearch<Chunk>({
    fields: ['title', 'heading', 'text'],
    storeFields: ['id'],
    processTerm,
    searchOptions: { boost: { title: 2, heading: 1.5 }, combineWith: 'OR', prefix: (t) => t.length > 4 },
  });
  private readonly byId: Map<string, Chunk>;
  /** Chunks each processed term occurs in. */
  private readonly documentFrequency = new Map<string, number>();

  private constructor(
    readonly chunks: readonly Chunk[],
    private readonly embed?: Embed,
    private readonly vectors?: number[][],
  ) {
    this.index.addAll([...chunks]);
    this.byId = new Map(chunks.map((c) => [c.id, c]));
    for (const c of chunks) {
      for (const term of new Set(termsOf(`${c.title} ${c.heading} ${c.text}`)))
        this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
  }

  /** A term's weight: rare terms say more about what a question is about, unknown ones most. */
  private weight(term: string): number {
    return Math.log(1 + this.chunks.length / (1 + (this.documentFrequency.get(term) ?? 0)));
  }

  static async build(chunks: readonly Chunk[], embed?: Embed): Promise<ProcedureIndex> {
    const vectors =
      embed && chunks.length > 0 ? await embed(chunks.map((c) => `${c.title}\n${c.heading}\n${c.text}`)) : undefined;
    return new ProcedureIndex(chunks, embed, vectors);
  }

  async search(question: string, limit = 3): Promise<SearchAnswer> {
    const words = [...new Set(termsOf(question))];
    const total = words.reduce((s, w) => s + this.weight(w), 0);
    const bm25 = this.index.search(question).slice(0, 20);
    // Coverage per document: a procedure answers a question when its sections together hold its rare words.
    const matchedBySource = new Map<string, Set<string>>();
    for (const r of bm25) {
      const source = this.byId.get(r.id as string)?.source ?? '';
      const set = matchedBySource.get(source) ?? new Set<string>();
      for (const t of r.queryTerms) set.add(t);
      matchedBySource.set(source, set);
    }
    // A word the corpus never uses that carries much of the question's weight names a topic it does not cover.
    const unknownShare =
      words.filter((w) => !this.documentFrequency.has(w)).reduce((s, w) => Math.max(s, this.weight(w)), 0) /
      (total || 1);
    const coverage = (id: string): number => {
      const matched = matchedBySource.get(this.byId.get(id)?.source ?? '');
      if (total === 0 || !matched || unknownShare >= MAX_UNKNOWN_SHARE) return 0;
      return words.filter((w) => matched.has(w)).reduce((s, w) => s + this.weight(w), 0) / total;
    };
    let similarities: Map<string, number> | undefined;
    if (this.embed && this.vectors) {
      const [q] = await this.embed([question]);
      similarities = new Map(this.chunks.map((c, i) => [c.id, cosine(q ?? [], this.vectors?.[i] ?? [])]));
    }
    const fused = new Map<string, number>();
    bm25.forEach((r, rank) => fused.set(r.id as string, 1 / (60 + rank)));
    if (similarities) {
      [...similarities.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .forEach(([id], rank) => fused.set(id, (fused.get(id) ?? 0) + 1 / (60 + rank)));
    }
    const hits = [...fused.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([id, score]) => ({
        chunk: this.byId.get(id) as Chunk,
        score,
        coverage: coverage(id),
        similarity: similarities?.get(id) ?? null,
      }));
    const covered = hits.filter((h) => h.coverage >= MIN_COVERAGE || (h.similarity ?? 0) >= MIN_SIMILARITY);
    return { found: covered.length > 0, hits: covered };
  }
}
