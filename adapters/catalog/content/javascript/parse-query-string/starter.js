/**
 * Parses a URL query string such as "a=1&b=2&a=3" into an object.
 *
 * @param {string} query - the query string, with or without a leading "?"
 * @returns {Object<string, string|string[]>} decoded keys mapped to a value or an array of values
 */
function parseQueryString(query) {
  const result = {};
  // TODO: split, decode and collect the key/value pairs.
  return result;
}
