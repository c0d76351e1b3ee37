/**
 * Splits an array into consecutive chunks of the given size.
 *
 * @param {Array<*>} items - the elements to split
 * @param {number} size - the length of every chunk except possibly the last
 * @returns {Array<Array<*>>} the chunks, in order
 */
function chunkArray(items, size) {
  // TODO: build the chunks. For now everything goes into one chunk.
  return [items];
}
