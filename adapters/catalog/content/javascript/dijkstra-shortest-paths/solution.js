/**
 * Computes the shortest distance from source to every node of a directed weighted graph.
 *
 * @param {number} n - the number of nodes, numbered 0..n-1
 * @param {Array<[number, number, number]>} edges - one-way edges [from, to, weight], weight >= 0
 * @param {number} source - the starting node
 * @returns {number[]} the distance to each node, or -1 when it is unreachable
 */
function shortestDistances(n, edges, source) {
  const adjacency = Array.from({ length: n }, () => []);
  for (const [from, to, weight] of edges) {
    adjacency[from].push([to, weight]);
  }

  const dist = new Array(n).fill(Infinity);
  dist[source] = 0;

  // Binary min-heap of [distance, node]; stale entries are skipped when popped.
  const heap = [[0, source]];
  const push = (entry) => {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent][0] <= heap[i][0]) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left][0] < heap[smallest][0]) smallest = left;
        if (right < heap.length && heap[right][0] < heap[smallest][0]) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  };

  while (heap.length > 0) {
    const [d, node] = pop();
    if (d > dist[node]) continue;
    for (const [next, weight] of adjacency[node]) {
      const candidate = d + weight;
      if (candidate < dist[next]) {
        dist[next] = candidate;
        push([candidate, next]);
      }
    }
  }

  return dist.map((d) => (d === Infinity ? -1 : d));
}
