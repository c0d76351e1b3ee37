/**
 * Decides whether a text can be split into a sequence of dictionary words.
 *
 * @param {string} text - the text to split (no spaces)
 * @param {string[]} words - the dictionary; words may be reused
 * @returns {boolean} true if such a split exists
 */
function canSegment(text, words) {
  // TODO: work out which prefixes of the text can be split into words.
  return false;
}
