/**
 * Decides whether a text can be split into a sequence of dictionary words.
 *
 * @param {string} text - the text to split (no spaces)
 * @param {string[]} words - the dictionary; words may be reused
 * @returns {boolean} true if such a split exists
 */
function canSegment(text, words) {
  const dictionary = new Set(words);
  const longest = words.reduce((max, word) => Math.max(max, word.length), 0);
  // ok[i] is true when text.slice(0, i) can be split into dictionary words.
  const ok = new Array(text.length + 1).fill(false);
  ok[0] = true;

  for (let end = 1; end <= text.length; end++) {
    for (let start = Math.max(0, end - longest); start < end; start++) {
      if (ok[start] && dictionary.has(text.slice(start, end))) {
        ok[end] = true;
        break;
      }
    }
  }
  return ok[text.length];
}
