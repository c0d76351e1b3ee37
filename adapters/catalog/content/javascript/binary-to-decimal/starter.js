/**
 * Converts a binary string such as "1011" into its numeric value.
 *
 * @param {string} bits - a string of '0' and '1' characters (possibly empty)
 * @returns {number} the value of the binary number
 */
function binaryToDecimal(bits) {
  // TODO: process the digits from left to right.
  return 0;
}
