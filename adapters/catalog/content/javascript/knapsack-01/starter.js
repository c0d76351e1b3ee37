/**
 * Solves the 0/1 knapsack problem: the best total value within a weight limit.
 *
 * @param {Array<[number, number]>} items - [weight, value] pairs, each usable at most once
 * @param {number} capacity - the maximum total weight
 * @returns {number} the largest total value that fits
 */
function knapsack(items, capacity) {
  // TODO: decide, for every item, whether taking it pays off.
  return 0;
}
