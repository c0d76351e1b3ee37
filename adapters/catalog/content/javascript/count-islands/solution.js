/**
 * Counts the islands ('1' cells connected up/down/left/right) in a grid.
 *
 * @param {string[]} grid - the rows of the map, made of '0' (water) and '1' (land)
 * @returns {number} the number of islands
 */
function countIslands(grid) {
  const rows = grid.length;
  const cols = rows === 0 ? 0 : grid[0].length;
  const visited = Array.from({ length: rows }, () => new Array(cols).fill(false));
  const steps = [[1, 0], [-1, 0], [0, 1], [0, -1]];
  let islands = 0;

  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (grid[r][c] !== "1" || visited[r][c]) {
        continue;
      }
      islands += 1;
      visited[r][c] = true;
      const stack = [[r, c]];
      while (stack.length > 0) {
        const [cr, cc] = stack.pop();
        for (const [dr, dc] of steps) {
          const nr = cr + dr;
          const nc = cc + dc;
          if (nr >= 0 && nr < rows && nc >= 0 && nc < cols &&
              grid[nr][nc] === "1" && !visited[nr][nc]) {
            visited[nr][nc] = true;
            stack.push([nr, nc]);
          }
        }
      }
    }
  }
  return islands;
}
