/**
 * Checks whether the (), [] and {} brackets in a string are balanced.
 *
 * @param {string} text - the text to check; non-bracket characters are ignored
 * @returns {boolean} true when every bracket is properly matched and nested
 */
function isBalanced(text) {
  const openerFor = new Map([[")", "("], ["]", "["], ["}", "{"]]);
  const stack = [];
  for (const ch of text) {
    if (ch === "(" || ch === "[" || ch === "{") {
      stack.push(ch);
    } else if (openerFor.has(ch)) {
      if (stack.pop() !== openerFor.get(ch)) {
        return false;
      }
    }
  }
  return stack.length === 0;
}
