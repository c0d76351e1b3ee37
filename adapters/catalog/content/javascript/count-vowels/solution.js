/**
 * Counts the vowels (a, e, i, o, u, in either case) in a string.
 *
 * @param {string} text - the text to scan
 * @returns {number} how many vowels the text contains
 */
function countVowels(text) {
  const vowels = new Set("aeiouAEIOU");
  let count = 0;
  for (const ch of text) {
    if (vowels.has(ch)) {
      count += 1;
    }
  }
  return count;
}
