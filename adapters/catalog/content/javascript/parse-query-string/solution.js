/**
 * Parses a URL query string such as "a=1&b=2&a=3" into an object.
 *
 * @param {string} query - the query string, with or without a leading "?"
 * @returns {Object<string, string|string[]>} decoded keys mapped to a value or an array of values
 */
function parseQueryString(query) {
  const decode = (part) => decodeURIComponent(part.replace(/\+/g, " "));
  const text = query.startsWith("?") ? query.slice(1) : query;
  const values = new Map();

  for (const piece of text.split("&")) {
    if (piece === "") {
      continue;
    }
    const eq = piece.indexOf("=");
    const key = decode(eq === -1 ? piece : piece.slice(0, eq));
    const value = eq === -1 ? "" : decode(piece.slice(eq + 1));
    if (key === "") {
      continue;
    }
    if (!values.has(key)) {
      values.set(key, []);
    }
    values.get(key).push(value);
  }

  return Object.fromEntries(
    [...values].map(([key, list]) => [key, list.length === 1 ? list[0] : list])
  );
}
