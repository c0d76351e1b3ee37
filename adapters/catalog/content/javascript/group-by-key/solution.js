/**
 * Groups records by the value of one property, in order of first appearance.
 *
 * @param {Array<Object>} records - the records to group
 * @param {string} key - the property to group by
 * @returns {Array<{key: *, items: Array<Object>}>} the groups
 */
function groupByKey(records, key) {
  const byValue = new Map();
  const groups = [];
  for (const record of records) {
    if (!Object.hasOwn(record, key)) {
      continue;
    }
    const value = record[key];
    let group = byValue.get(value);
    if (group === undefined) {
      group = { key: value, items: [] };
      byValue.set(value, group);
      groups.push(group);
    }
    group.items.push(record);
  }
  return groups;
}
