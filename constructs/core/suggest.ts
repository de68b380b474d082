import { distance } from "fastest-levenshtein";

/**
 * The known names closest to a near miss (`us-centrl1` -> `us-central1`), by edit distance
 * (fastest-levenshtein, the Myers bit-parallel algorithm), for "did you mean" fixes. Returns at
 * most `limit` names within a distance that scales with the length of the input and within one
 * edit of the best match, best first (ties in catalogue order); empty when nothing is close.
 */
export function closestNames(value: unknown, known: Iterable<string>, limit = 3): string[] {
  if (typeof value !== "string" || value.length === 0) return [];
  const input = value.toLowerCase();
  const threshold = Math.max(2, Math.ceil(input.length / 3));
  const scored: { name: string; d: number; i: number }[] = [];
  let i = 0;
  for (const name of known) {
    const d = distance(input, name.toLowerCase());
    if (d <= threshold) scored.push({ name, d, i });
    i++;
  }
  scored.sort((a, b) => a.d - b.d || a.i - b.i);
  // Only names about as close as the best one: "us-central" means us-central1, not me-central1.
  const best = scored[0]?.d ?? 0;
  return scored
    .filter((s) => s.d <= best + 1)
    .slice(0, limit)
    .map((s) => s.name);
}

/** `did you mean a, b or c?`-style fix text, or the fallback when nothing is close. */
export function suggestion(value: unknown, known: Iterable<string>, fallback: string): string {
  const close = closestNames(value, known);
  if (close.length === 0) return fallback;
  const list =
    close.length === 1
      ? close[0]
      : `${close.slice(0, -1).join(", ")} or ${close[close.length - 1]}`;
  return `did you mean ${list}?`;
}
