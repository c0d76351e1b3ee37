/**
 * Builds the FizzBuzz output for 1..n using custom [divisor, word] rules.
 *
 * @param {number} n - the last number to include
 * @param {Array<[number, string]>} rules - the rules, applied in this order
 * @returns {string[]} one string per number from 1 to n
 */
function fizzBuzzRules(n, rules) {
  const result = [];
  // TODO: add one string for every number from 1 to n.
  return result;
}
