/**
 * Solves the 0/1 knapsack problem: the best total value within a weight limit.
 *
 * @param {Array<[number, number]>} items - [weight, value] pairs, each usable at most once
 * @param {number} capacity - the maximum total weight
 * @returns {number} the largest total value that fits
 */
function knapsack(items, capacity) {
  // best[w] is the highest value with total weight at most w, using the items seen so far.
  const best = new Array(capacity + 1).fill(0);
  for (const [weight, value] of items) {
    for (let w = capacity; w >= weight; w--) {
      best[w] = Math.max(best[w], best[w - weight] + value);
    }
  }
  return best[capacity];
}
