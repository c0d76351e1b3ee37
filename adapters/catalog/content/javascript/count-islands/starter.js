/**
 * Counts the islands ('1' cells connected up/down/left/right) in a grid.
 *
 * @param {string[]} grid - the rows of the map, made of '0' (water) and '1' (land)
 * @returns {number} the number of islands
 */
function countIslands(grid) {
  // TODO: find each island once and count it.
  return 0;
}
