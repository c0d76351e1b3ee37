/**
 * Simulates an LRU cache and returns the results of all "get" operations.
 *
 * @param {number} capacity - the maximum number of entries the cache holds
 * @param {Array<Array<*>>} operations - ["put", key, value] or ["get", key]
 * @returns {Array<*>} the result of each "get" (the value, or -1 on a miss)
 */
function lruCache(capacity, operations) {
  // A Map iterates in insertion order: the first key is the least recently used.
  const cache = new Map();
  const results = [];

  for (const [op, key, value] of operations) {
    if (op === "get") {
      if (cache.has(key)) {
        const stored = cache.get(key);
        cache.delete(key);
        cache.set(key, stored);
        results.push(stored);
      } else {
        results.push(-1);
      }
    } else if (op === "put") {
      if (cache.has(key)) {
        cache.delete(key);
      } else if (cache.size >= capacity) {
        cache.delete(cache.keys().next().value);
      }
      cache.set(key, value);
    }
  }
  return results;
}
