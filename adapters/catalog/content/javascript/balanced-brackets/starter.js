/**
 * Checks whether the (), [] and {} brackets in a string are balanced.
 *
 * @param {string} text - the text to check; non-bracket characters are ignored
 * @returns {boolean} true when every bracket is properly matched and nested
 */
function isBalanced(text) {
  // TODO: track the brackets that are still open.
  return true;
}
