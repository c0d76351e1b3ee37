/**
 * Computes the shortest distance from source to every node of a directed weighted graph.
 *
 * @param {number} n - the number of nodes, numbered 0..n-1
 * @param {Array<[number, number, number]>} edges - one-way edges [from, to, weight], weight >= 0
 * @param {number} source - the starting node
 * @returns {number[]} the distance to each node, or -1 when it is unreachable
 */
function shortestDistances(n, edges, source) {
  // TODO: run Dijkstra's algorithm from the source.
  return new Array(n).fill(-1);
}
