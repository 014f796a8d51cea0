import { distance } from 'fastest-levenshtein';

/** The candidate closest to `word`, if it is close enough to be a likely typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.ceil(word.length / 3)); // about one typo per three letters
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const [a, b] = [word.toLowerCase(), candidate.toLowerCase()];
    const d = isSwap(a, b) ? 1 : distance(a, b);
    if (d < bestDistance && d <= limit) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Whether `a` is `b` with two neighbouring letters swapped ("ulr", "url"): one typo, though Levenshtein counts two. */
function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const differ = [...a].flatMap((char, i) => (char === b[i] ? [] : [i]));
  return differ.length === 2 && differ[1] === differ[0]! + 1 && a[differ[0]!] === b[differ[1]] && a[differ[1]] === b[differ[0]!];
}

/** ` — did you mean "x"?`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = suggest(word, candidates);
  return match === undefined ? '' : ` — did you mean "${match}"?`;
}

/** `"a", "b" or "c"`, for messages listing the allowed values. */
export function listChoices(choices: readonly string[]): string {
  const quoted = choices.map((choice) => `"${choice}"`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
