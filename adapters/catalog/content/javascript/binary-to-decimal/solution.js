/**
 * Converts a binary string such as "1011" into its numeric value.
 *
 * @param {string} bits - a string of '0' and '1' characters (possibly empty)
 * @returns {number} the value of the binary number
 */
function binaryToDecimal(bits) {
  let value = 0;
  for (const digit of bits) {
    value = value * 2 + (digit === "1" ? 1 : 0);
  }
  return value;
}
