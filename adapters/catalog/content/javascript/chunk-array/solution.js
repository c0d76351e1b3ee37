/**
 * Splits an array into consecutive chunks of the given size.
 *
 * @param {Array<*>} items - the elements to split
 * @param {number} size - the length of every chunk except possibly the last
 * @returns {Array<Array<*>>} the chunks, in order
 */
function chunkArray(items, size) {
  const chunks = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
