/**
 * Groups records by the value of one property, in order of first appearance.
 *
 * @param {Array<Object>} records - the records to group
 * @param {string} key - the property to group by
 * @returns {Array<{key: *, items: Array<Object>}>} the groups
 */
function groupByKey(records, key) {
  const groups = [];
  // TODO: put every record that has the property into its group.
  return groups;
}
