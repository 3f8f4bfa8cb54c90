/**
 * The functions framework runs each request inside a `domain` (a deprecated Node API) so that an exception
 * thrown from a callback it cannot see still answers 500. Our handlers are async: every failure reaches it as
 * a rejection, which it answers 500 all the same. Inside the domain, every promise, timer and socket the
 * handler creates pays the domain's async hooks (about a seventh of the CPU of a single-reading message,
 * docs/BENCHMARKS.md), so the hot push handlers leave it before they start work.
 */
export function leaveDomain(): void {
  // process.domain is set only while a domain is entered; @types/node does not declare it.
  (process as { domain?: { exit(): void } | null }).domain?.exit();
}
