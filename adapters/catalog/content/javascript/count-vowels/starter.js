/**
 * Counts the vowels (a, e, i, o, u, in either case) in a string.
 *
 * @param {string} text - the text to scan
 * @returns {number} how many vowels the text contains
 */
function countVowels(text) {
  // TODO: look at each character and count the vowels.
  return 0;
}
