/**
 * Simulates an LRU cache and returns the results of all "get" operations.
 *
 * @param {number} capacity - the maximum number of entries the cache holds
 * @param {Array<Array<*>>} operations - ["put", key, value] or ["get", key]
 * @returns {Array<*>} the result of each "get" (the value, or -1 on a miss)
 */
function lruCache(capacity, operations) {
  const results = [];
  // TODO: apply every operation to a cache with the given capacity.
  return results;
}
