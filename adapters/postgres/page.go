package postgres

import (
	"context"
	"fmt"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"

	"github.com/codementor/codementor/adapters/keyset"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
)

// newestFirst is a page of rows ordered by (a time, id) descending: the
// order of every history and list here. The cursor is the last row's
// position.
type newestFirst struct {
	limit int
	after *historyKey
}

// pageOf reads a page request; a cursor that is not one of ours is
// keyset.ErrBadCursor.
func pageOf(p ports.Page) (newestFirst, error) {
	n := newestFirst{limit: keyset.Limit(p.Limit)}
	if p.Cursor != "" {
		k, err := decodeHistoryCursor(p.Cursor)
		if err != nil {
			return newestFirst{}, err
		}
		n.after = &k
	}
	return n, nil
}

// apply orders q by (timeCol, idCol) descending, starts it after the
// cursor, and asks for one row more than the page (to know whether
// another page follows).
func (n newestFirst) apply(q sq.SelectBuilder, timeCol, idCol string) sq.SelectBuilder {
	if n.after != nil {
		q = q.Where(sq.Expr("("+timeCol+", "+idCol+") < (?::timestamptz, ?::uuid)",
			time.UnixMicro(n.after.micros).UTC(), n.after.id))
	}
	return q.OrderBy(timeCol+" DESC", idCol+" DESC").Limit(uint64(n.limit + 1))
}

// cut trims the rows apply asked for to the page and answers the next
// cursor ("" on the last page).
func cut[T any](n newestFirst, items []T, key func(T) (time.Time, string)) ([]T, string) {
	if len(items) == 0 {
		return nil, ""
	}
	if len(items) <= n.limit {
		return items, ""
	}
	items = items[:n.limit]
	at, id := key(items[n.limit-1])
	return items, keyset.Encode(at.UnixMicro(), id)
}

// list runs a newest-first page of q (ordered by timeCol, idCol), scanning
// each row with scan.
func list[T any](ctx context.Context, db querier, n newestFirst, q sq.SelectBuilder, timeCol, idCol string,
	scan func(pgx.CollectableRow) (T, error), key func(T) (time.Time, string)) ([]T, string, error) {
	sql, args, err := n.apply(q, timeCol, idCol).ToSql()
	if err != nil {
		return nil, "", err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", translate(err)
	}
	items, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, "", translate(err)
	}
	items, next := cut(n, items, key)
	return items, next, nil
}

// historyKey is a cursor's position: the last row's time and id.
type historyKey struct {
	micros int64
	id     string
}

func decodeHistoryCursor(s string) (historyKey, error) {
	var k historyKey
	if err := keyset.Decode(s, &k.micros, &k.id); err != nil || !isUUID(k.id) {
		return historyKey{}, keyset.ErrBadCursor
	}
	return k, nil
}

// deleteOwned deletes the row id of table when ownerID owns it; anything
// else (another owner's, unknown, malformed) is domain.ErrNotFound and
// deletes nothing. what names the row in errors.
func deleteOwned(ctx context.Context, db querier, table, what, ownerID, id string) error {
	if !isUUID(ownerID) || !isUUID(id) {
		return fmt.Errorf("delete %s: %w", what, domain.ErrNotFound)
	}
	tag, err := db.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1 AND owner_id = $2`, id, ownerID)
	if err != nil {
		return fmt.Errorf("delete %s: %w", what, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete %s: %w", what, domain.ErrNotFound)
	}
	return nil
}
