/**
 * The candidate a misspelt word most likely meant (`categoires` -> `categories`, `yaer` -> `year`,
 * `pagesize` -> `pageSize`); a candidate that differs only in case is the likeliest.
 * @param word - what was written
 * @param candidates - what would have been valid
 * @returns the closest candidate within a few edits (fewer for short words), or undefined
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  // Two edits turn most four-letter words into each other: short words get one.
  const limit = lower.length <= 4 ? 1 : lower.length <= 7 ? 2 : 3;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    if (name === word) continue;
    // Differing only in case (`pagesize` for `pageSize`) beats any misspelling.
    const distance = editDistance(lower, name.toLowerCase()) || 0.5;
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Damerau-Levenshtein distance (optimal string alignment): a swap of neighbours is one edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      row[j] = value;
    }
  }
  return at(a.length, b.length);
}

/**
 * Why a key that Herald does not read is reported, in the words every report uses.
 * @param meant - the field it is probably a misspelling of
 */
export function ignoredFieldReason(meant: string | undefined): string {
  return `not a field Herald reads, ignored${meant ? ` (did you mean "${meant}"?)` : ''}`;
}
