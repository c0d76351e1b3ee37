/**
 * Builds the FizzBuzz output for 1..n using custom [divisor, word] rules.
 *
 * @param {number} n - the last number to include
 * @param {Array<[number, string]>} rules - the rules, applied in this order
 * @returns {string[]} one string per number from 1 to n
 */
function fizzBuzzRules(n, rules) {
  const result = [];
  for (let i = 1; i <= n; i++) {
    let word = "";
    for (const [divisor, text] of rules) {
      if (i % divisor === 0) {
        word += text;
      }
    }
    result.push(word === "" ? String(i) : word);
  }
  return result;
}
