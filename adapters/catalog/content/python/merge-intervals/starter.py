def merge_intervals(intervals: list[list[int]]) -> list[list[int]]:
    """Merge overlapping closed intervals.

    Return the merged intervals as [start, end] lists, sorted by start.
    """
    # TODO: sort the intervals, then combine the ones that overlap.
    return []
