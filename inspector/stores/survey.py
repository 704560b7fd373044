"""The event type survey (``EventStore.type_survey``) for SQL layouts and JSON Lines files.

**Counted in SQL** where the engine has JSON functions and the payload column holds JSON
text it can read without failing the query on a bad row:

- SQLite, a text payload: ``json_type`` of each key over the rows where ``json_valid``
  holds (and the value is stored as text); the keys are found with ``json_remove`` (payloads
  that still hold a key once the known ones are removed), as the read-only connection
  refuses ``json_each``'s virtual table;
- PostgreSQL, a ``json``/``jsonb`` payload: ``jsonb_each``/``json_each`` and
  ``jsonb_typeof``/``json_typeof`` (a ``text`` or ``bytea`` payload cannot be cast without
  failing on the first row that is not JSON before PostgreSQL 16's ``IS JSON``: sampled);
- MariaDB/MySQL, a text or ``JSON`` payload: ``JSON_VALID``, ``JSON_KEYS`` unnested by
  ``JSON_TABLE`` (keys compared as ``utf8mb4_bin``), ``JSON_TYPE``.

Per event type and, per top-level field and JSON type, the database returns the count and
the first and last recorded time, grouped over one range of positions at a time (about
``PART_ROWS`` rows: ranges of values where positions are dense, else ranges ending every
``PART_ROWS`` rows, so sparse or huge positions such as snowflake ids make no more parts), so no row comes to Python, progress is reported between parts and a
cancel stops between them with what was counted so far. Rows whose payload is not JSON are
counted per type (``unreadable``), never surveyed, never an error.

**Sampled** where SQL cannot look into the payload (binary payloads, eventsourcing's
possibly compressed or encrypted ``state``, Axon's serialized bytes, text payloads on
PostgreSQL, JSON Lines files): the type counts and times are still the database's where it
has them; the fields are those of ``sample`` events decoded by the layout, read in
``SAMPLE_STRETCHES`` stretches spread evenly over the positions (all events when there are
no more than ``sample``). The survey says which method was used and the sample size.

A type's first and last time always cover every one of its events: rows whose time SQL does not
read (the layout's ``unreadable_clause``: eventsourcing's compressed or encrypted states, and
states holding ``"timestamp"`` elsewhere than as the library's first key) are decoded, part by
part, for their times, whether the fields are counted in SQL, decoded in full or sampled.

On the ``eventsourcing`` layout the envelope fields the library writes into every event's
state (``ENVELOPE_KEYS``: ``timestamp``, ``originator_topic``, ``originator_id``,
``originator_version``) are not payload fields: they are left out of the survey, and its
``method_detail`` says so. The same holds for a slice exported from such a store (JSON Lines
or SQLite, whose recorded projector names the source's layout), when the caller says so
(``envelope=True``: ``inspector.export.provenance.slice_of_eventsourcing`` tells), as
``generic:eventsourcing`` leaves them out of its state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from inspector.core.cancel import CancelToken, Progress
from inspector.core.decoding import decode_json
from inspector.core.events import in_category
from inspector.core.summary import ENVELOPE_KEYS
from inspector.core.type_drift import DEFAULT_SAMPLE, SurveyBuilder, TypeSurvey, json_type_of
from inspector.stores.layouts.base import SqlLayout, exact_time_key

if TYPE_CHECKING:
    from inspector.stores.jsonl import JsonlEventStore
    from inspector.stores.sql import SqlEventStore, StreamsOfCategory

#: rows of positions grouped per query: bounds the time between progress reports and cancel checks
PART_ROWS = 250_000
#: a sample is read in this many stretches of consecutive positions, spread over the store
SAMPLE_STRETCHES = 50
#: streams per query when a category is selected by listing its streams
STREAM_BATCH = 500
#: SQLite: payloads fetched per round while looking for keys not seen yet
SQLITE_DISCOVERY_ROWS = 50
#: SQLite: paths per json_remove call (a function takes at most 127 arguments by default)
SQLITE_PATHS_PER_CALL = 100
#: SQLite: keys counted per query (a compound SELECT has at most 500 terms by default)
SQLITE_KEYS_PER_QUERY = 200

#: JSON type names as each engine spells them, to the names surveys use
_ENGINE_TYPES = {
    # SQLite json_each.type
    "integer": "number", "real": "number", "text": "string", "true": "boolean", "false": "boolean",
    # MariaDB/MySQL JSON_TYPE
    "double": "number", "decimal": "number", "unsigned integer": "number", "bit": "number",
    "opaque": "string", "date": "string", "time": "string", "datetime": "string",
}


def json_type_name(engine_type: Any) -> str:
    """``object``, ``array``, ``string``, ``number``, ``boolean`` or ``null`` for an engine's spelling."""
    name = str(engine_type).lower()
    return _ENGINE_TYPES.get(name, name)


# --- which payloads SQL can look into ------------------------------------------------------
@dataclass(frozen=True)
class PayloadDocument:
    """A layout's event payload as a JSON document one engine's functions read.

    ``document``: the JSON value whose top-level keys are the event's fields (for
    EventSauce the envelope's ``payload``), NULL where the payload is not JSON; ``raw``: the
    same without that guard (for rows known to be JSON: cheaper); ``valid``: the stored payload
    is JSON; ``is_object``: ``document`` is a JSON object (implies ``valid``); ``state``: 0 not
    JSON, 1 JSON but not an object, 2 an object, testing validity once; ``family`` names the
    functions (``sqlite``, ``jsonb``, ``json``, ``mysql``); ``detail`` says what is read.
    """

    document: sa.ColumnElement[Any]
    raw: sa.ColumnElement[Any]
    valid: sa.ColumnElement[bool]
    is_object: sa.ColumnElement[bool]
    state: sa.ColumnElement[int]
    family: str
    detail: str


def _is_binary(kind: sa.types.TypeEngine[Any]) -> bool:
    return isinstance(kind, (sa.LargeBinary, sa.types._Binary))


def _spelled(layout: SqlLayout, column: sa.ColumnElement[Any]) -> str:
    table = getattr(column, "table", None)
    name = f"{getattr(table, 'name', '?')}.{getattr(column, 'name', '?')}"
    return f"{name} ({layout.sql_type_name(column)})"


def payload_column(layout: SqlLayout) -> tuple[sa.Column[Any], bool] | None:
    """The table column holding the event payload, and whether it is EventSauce's
    ``{headers, payload}`` envelope; None for layouts whose payload SQL cannot read as JSON
    (eventsourcing's state, Axon's serialized bytes, Marten's binary events, a generic
    mapping that declares the payload plain text)."""
    from inspector.stores.layouts.eventsauce import EventSauceLayout
    from inspector.stores.layouts.generic import GenericLayout
    from inspector.stores.layouts.marten import MartenLayout
    from inspector.stores.layouts.messagedb import MessageDbLayout

    if isinstance(layout, GenericLayout):
        return None if layout.mapping.data_codec != "json" else (layout._data_column, False)
    if isinstance(layout, MessageDbLayout):
        return layout.table.c.data, False
    if isinstance(layout, MartenLayout):
        # Marten 9 keeps binary events in bdata with data = '{}': only the decoder sees them
        return None if "bdata" in layout.table.c else (layout.table.c.data, False)
    if isinstance(layout, EventSauceLayout):
        return layout.table.c.payload, True
    return None


def payload_document(layout: SqlLayout) -> PayloadDocument | None:
    """The layout's payload as a document the engine's JSON functions read, or None (sample)."""
    found = payload_column(layout)
    if found is None:
        return None
    column, envelope = found
    kind = column.type
    if _is_binary(kind):
        return None
    dialect = layout.dialect
    where = _spelled(layout, column)
    if dialect == "sqlite":
        valid = sa.and_(sa.func.typeof(column) == "text", sa.func.json_valid(column) == 1)
        document: sa.ColumnElement[Any] = column
        if envelope:
            headers = sa.case((valid, sa.func.json_type(column, "$.headers")), else_=None) == "object"
            document = sa.case((headers, sa.func.json_extract(column, "$.payload")), else_=column)
        # CASE, not AND: SQLite may evaluate both sides, and json_type fails on text that is not JSON
        is_object = sa.case((valid, sa.func.json_type(document)), else_=None) == "object"
        # valid JSON whose first character is '{' is an object: no second parse to ask json_type
        opening = sa.func.substr(sa.func.ltrim(document, " \t\n\r"), 1, 1)
        state = sa.case((valid, sa.case((opening == "{", 2), else_=1)), else_=0) if not envelope else sa.case(
            (valid, sa.case((sa.func.json_type(document) == "object", 2), else_=1)), else_=0)
        return PayloadDocument(document, document, valid, is_object, state, "sqlite",
                               f"SQLite json_type/json_remove over {where}")
    if dialect == "postgresql":
        if not isinstance(kind, sa.JSON):
            return None  # text or bytea: a cast fails the whole query on one row that is not JSON
        family = "jsonb" if type(kind).__name__.upper() == "JSONB" else "json"
        prefix = family  # jsonb_typeof / json_typeof, jsonb_each / json_each
        typeof = getattr(sa.func, f"{prefix}_typeof")
        document = column
        if envelope:
            headers = typeof(column.op("->")("headers")) == "object"
            document = sa.case((headers, column.op("->")("payload")), else_=column)
        document = sa.type_coerce(document, postgresql.JSONB() if family == "jsonb" else postgresql.JSON())
        state = sa.case((column.is_(None), 0), (typeof(document) == "object", 2), else_=1)
        return PayloadDocument(document, document, column.is_not(None), typeof(document) == "object", state, family,
                               f"PostgreSQL {prefix}_each/{prefix}_typeof over {where}")
    if dialect in ("mysql", "mariadb"):
        valid = sa.func.json_valid(column) == 1
        raw: sa.ColumnElement[Any] = column
        if envelope:
            headers = sa.func.json_type(sa.func.json_extract(column, "$.headers")) == "OBJECT"
            raw = sa.case((headers, sa.func.json_extract(column, "$.payload")), else_=column)
        document = sa.case((valid, raw), else_=None)
        state = sa.case((valid, sa.case((sa.func.json_type(raw) == "OBJECT", 2), else_=1)), else_=0)
        return PayloadDocument(document, raw, valid, sa.and_(valid, sa.func.json_type(document) == "OBJECT"), state,
                               "mysql", f"MariaDB/MySQL JSON_KEYS/JSON_TYPE over {where}")
    return None


class _JsonKeysTable(GenericFunction[Any]):
    """MariaDB/MySQL: the keys of a JSON object as rows of ``k``, compared byte for byte."""

    name = "json_keys_table"
    inherit_cache = True


@compiles(_JsonKeysTable)
def _compile_json_keys_table(element: _JsonKeysTable, compiler: Any, **kw: Any) -> str:
    # utf8mb4_bin: the default collation would fold ``Amount`` and ``amount`` into one field
    return (f"JSON_TABLE(JSON_KEYS({compiler.process(element.clauses, **kw)}), '$[*]' "
            "COLUMNS (k VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$'))")


def _field_rows(payload: PayloadDocument) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any], Any]:
    """``(key, engine JSON type, FROM item)``: one row per top-level key of an object payload
    (PostgreSQL, MariaDB/MySQL; SQLite names its keys itself: ``_sqlite_field_rows``)."""
    family, document = payload.family, payload.document
    if family in ("jsonb", "json"):
        empty = sa.cast(sa.literal("{}"), postgresql.JSONB() if family == "jsonb" else postgresql.JSON())
        each = getattr(sa.func, f"{family}_each")(sa.case((payload.is_object, document), else_=empty))
        fields = each.table_valued("key", "value", name="payload_field").lateral()
        return fields.c.key, getattr(sa.func, f"{family}_typeof")(fields.c.value), fields
    # JSON_KEYS is NULL for anything but an object (and the guarded document is NULL for text that
    # is not JSON), so only object payloads give rows, and only those read ``raw``
    keys = _JsonKeysTable(document).table_valued("k", name="payload_field")
    value = sa.func.json_extract(payload.raw, sa.func.concat("$.", sa.func.json_quote(keys.c.k)))
    return keys.c.k, sa.func.json_type(value), keys


# --- the time each row is grouped by --------------------------------------------------------
@dataclass(frozen=True)
class _Timing:
    key: sa.ColumnElement[Any] | None
    read: Callable[[Any], datetime | None]


def _timing(layout: SqlLayout) -> _Timing:
    """MIN/MAX over the time as stored where it sorts as time (native timestamps, one ISO form),
    else over epoch seconds exact to the microsecond (mixed text forms); no time where SQL cannot read one."""
    if layout.time is not None and layout.time_sorts_as_stored():
        return _Timing(layout.time, lambda value: None if value is None else layout.time_from_db(value))
    exact = exact_time_key(layout)
    if exact is None:
        return _Timing(None, lambda value: None)
    return _Timing(*exact)


# --- parts of the store: ranges of positions, or pages of a category's streams ---------------
def _parts(store: SqlEventStore, category: str | None,
           cancel: CancelToken | None) -> tuple[list[sa.ColumnElement[bool]], Iterator[list[sa.ColumnElement[bool]]], int | None]:
    """``(where, parts, how many parts)``: the clauses every query carries, then for each part
    the clauses that select it (None parts count when the category's streams are listed page by page)."""
    layout = store.layout
    where: list[sa.ColumnElement[bool]] = list(layout.scope())
    if category is not None:
        clause = layout.category_clause(category)
        if clause is None:
            return where, _stream_pages(store, category, cancel), None
        where.append(clause)
    position = layout.position
    if not isinstance(position, sa.Column) or not isinstance(position.type, sa.Integer):
        return where, iter([[]]), 1
    rows, low, high = store._rows(sa.select(sa.func.count(), sa.func.min(position), sa.func.max(position))
                                  .select_from(layout.table).where(*where))[0]
    if not rows or low is None:
        return where, iter([]), 0
    rows, low, high = int(rows), int(low), int(high)
    count = max(1, math.ceil(rows / PART_ROWS))
    if count == 1:
        return where, iter([[]]), 1
    if high - low + 1 <= 2 * rows:  # positions dense enough: ranges of values hold about PART_ROWS rows each
        count = max(1, math.ceil((high - low + 1) / PART_ROWS))
        step = math.ceil((high - low + 1) / count)
        return where, (([position >= low + i * step, position < low + (i + 1) * step]) for i in range(count)), count
    return where, _row_parts(store, where, position, cancel), count


def _row_parts(store: SqlEventStore, where: list[sa.ColumnElement[bool]], position: sa.Column[Any],
               cancel: CancelToken | None) -> Iterator[list[sa.ColumnElement[bool]]]:
    """Parts of about ``PART_ROWS`` rows each where positions are sparse (gaps, ids such as
    snowflakes near 2**63): each part ends at the position ``PART_ROWS`` rows after the last one,
    asked of the position's index, so the number of parts follows the rows, not the range of values."""
    after: int | None = None
    while not (cancel is not None and cancel.cancelled):
        bounds = list(where) if after is None else [*where, position > after]
        end = store._rows(sa.select(position).select_from(store.layout.table).where(*bounds)
                          .order_by(position).offset(PART_ROWS - 1).limit(1))
        above = [] if after is None else [position > after]
        if not end:
            yield above  # the last rows
            return
        yield [*above, position <= end[0][0]]
        after = int(end[0][0])


def _stream_pages(store: SqlEventStore, category: str,
                  cancel: CancelToken | None) -> Iterator[list[sa.ColumnElement[bool]]]:
    """The category's streams, a page at a time, as clauses (for layouts that name categories in Python)."""
    layout = store.layout
    after = None
    while True:
        if cancel is not None and cancel.cancelled:
            return
        page = store.streams(category=category, after=after, limit=STREAM_BATCH)
        names = [summary.stream for summary in page if layout.stream_exists_possibly(summary.stream)]
        if names:
            yield [layout.stream_in(names)]
        if len(page) < STREAM_BATCH:
            return
        after = page[-1].stream


# --- the survey -------------------------------------------------------------------------------
def survey_sql_store(store: SqlEventStore, *, category: str | None = None, cancel: CancelToken | None = None,
                     sample: int = DEFAULT_SAMPLE, progress: Progress | None = None,
                     envelope: bool = False) -> TypeSurvey:
    """The type survey of a SQL store (see the module docstring for how it is counted)."""
    layout = store.layout
    payload = payload_document(layout)
    timing = _timing(layout)
    envelope = envelope or _has_envelope(layout)
    builder = SurveyBuilder(ENVELOPE_KEYS if envelope else frozenset())
    kind = layout.type if layout.type is not None else sa.null()
    where, parts, count = _parts(store, category, cancel)
    complete = True
    done = 0
    known: dict[str, str] = {}
    for part in parts:
        if cancel is not None and cancel.cancelled:
            complete = False
            break
        _count_part(store, builder, payload, timing, kind, [*where, *part], known)
        if not _time_untimed_rows(store, builder, [*where, *part], cancel):
            complete = False
            break
        done += 1
        if progress is not None:
            progress(done, count)
    if cancel is not None and cancel.cancelled and (count is None or done < count):
        complete = False  # the parts stopped at the cancel
    if payload is not None:
        detail = f"counted by the database: {payload.detail}, every event" + (_ENVELOPE_NOTE if envelope else "")
        return builder.build(method="sql", method_detail=detail, category=category, complete=complete)
    if not complete:
        return builder.build(method="sample", method_detail="cancelled before sampling", category=category,
                             sampled=0, complete=False)
    total = builder.events_counted()
    read, stretches = _sample_sql(store, builder, where, category, sample, total, cancel, progress)
    why = _why_sampled(layout)
    everything = read >= total
    by = "counts and times per type by the database"
    if layout.unreadable_clause() is not None:
        by += " (the times of the rows whose time it cannot read by decoding every such row)"
    if everything:  # the sample would hold every event: counted in full
        detail = f"every event decoded ({read:,}) in Python: {why}; {by}"
    else:
        detail = (f"sampled {read:,} of {total:,} events ({stretches} stretches spread over the positions): "
                  f"{why}; {by}")
    if envelope:
        detail += _ENVELOPE_NOTE
    return builder.build(method="decoded" if everything else "sample", method_detail=detail, category=category,
                         sampled=None if everything else read, complete=not (cancel is not None and cancel.cancelled),
                         sampled_from=None if everything else total)


def _count_part(store: SqlEventStore, builder: SurveyBuilder, payload: PayloadDocument | None, timing: _Timing,
                kind: sa.ColumnElement[Any], where: list[sa.ColumnElement[bool]], known: dict[str, str]) -> None:
    """Group one part's rows by type (and by field and JSON type where SQL reads the payload);
    ``known``: the payload keys found so far (SQLite), kept from part to part."""
    if payload is not None and payload.family == "sqlite":
        _sqlite_part(store, builder, payload, timing, kind, where, known)
        return
    layout = store.layout
    time = timing.key if timing.key is not None else sa.null()
    # each row's time and payload state once, in a subquery kept apart (``_apart``): merged, their
    # expressions (epoch seconds of ISO text, JSON validity) would be computed once per aggregate
    per_row: list[sa.ColumnElement[Any]] = [kind.label("type"), time.label("t")]
    if payload is not None:
        per_row.append(payload.state.label("state"))
    each = _apart(layout, sa.select(*per_row).select_from(layout.table).where(*where)).subquery("surveyed")
    columns: list[sa.ColumnElement[Any]] = [each.c.type, sa.func.count().label("events"),
                                            sa.func.min(each.c.t).label("first_at"), sa.func.max(each.c.t).label("last_at")]
    if payload is not None:
        columns += [
            sa.func.sum(sa.case((each.c.state > 0, 1), else_=0)).label("valid"),
            sa.func.sum(sa.case((each.c.state == 2, 1), else_=0)).label("objects"),
            sa.func.min(sa.case((each.c.state == 2, each.c.t), else_=None)).label("objects_first"),
            sa.func.max(sa.case((each.c.state == 2, each.c.t), else_=None)).label("objects_last"),
        ]
    query = sa.select(*columns).group_by(each.c.type)
    for row in store._rows(query):
        name = layout.type_from_db(row.type)
        builder.add_totals(name, int(row.events), timing.read(row.first_at), timing.read(row.last_at))
        if payload is not None:
            events, valid = int(row.events), int(row.valid or 0)
            builder.add_surveyed(name, surveyed=events, objects=int(row.objects or 0), unreadable=events - valid,
                                 objects_first=timing.read(row.objects_first),
                                 objects_last=timing.read(row.objects_last))
    if payload is None:
        return
    key, json_type, fields = _field_rows(payload)
    objects_only = [payload.is_object] if payload.family != "mysql" else []  # JSON_KEYS skips the others
    query = (sa.select(kind.label("type"), key.label("field"), json_type.label("json_type"),
                       sa.func.count().label("events"), sa.func.min(time).label("first_at"),
                       sa.func.max(time).label("last_at"))
             .select_from(layout.table).join(fields, sa.true()).where(*where, *objects_only)
             .group_by(kind, key, json_type))
    for row in store._rows(query):
        builder.add_field(layout.type_from_db(row.type), _text(row.field), json_type_name(row.json_type),
                          int(row.events), timing.read(row.first_at), timing.read(row.last_at))


def _time_untimed_rows(store: SqlEventStore, builder: SurveyBuilder, where: list[sa.ColumnElement[bool]],
                       cancel: CancelToken | None) -> bool:
    """Take into the types' first and last times the rows of this part whose time SQL does not
    read (``unreadable_clause``: compressed or encrypted states, eventsourcing states holding
    ``"timestamp"`` elsewhere than as the library's first key; SQL's MIN/MAX skip their NULL),
    decoded page by page. Counts are not touched (SQL counted every row). False when ``cancel``
    stopped it (the times then lack the rows not read yet)."""
    untimed = store.layout.unreadable_clause()
    if untimed is None:
        return True
    for event in store._scan([*where, untimed], [], None, False, None, store.page_size):
        if cancel is not None and cancel.cancelled:
            return False
        if event.recorded_at is not None:
            builder.add_totals(event.type, 0, event.recorded_at, event.recorded_at)
    return True


def _apart(layout: SqlLayout, query: sa.Select) -> sa.Select:
    """``query`` as a subquery the engine computes on its own instead of merging it into the outer
    query (which would compute each row's expressions once per use there): SQLite ``LIMIT -1``,
    PostgreSQL ``OFFSET 0``, MariaDB/MySQL a LIMIT (a small temporary table of the per-row values)."""
    if layout.dialect == "sqlite":
        return query.limit(-1)
    if layout.dialect == "postgresql":
        return query.offset(0)
    return query.limit(2**62)


def _sqlite_path(key: str) -> str | None:
    """The SQLite JSON path of a top-level key; None for a key with a double quote (no path names it)."""
    return None if '"' in key else f'$."{key}"'


def _sqlite_residue(document: sa.ColumnElement[Any], paths: list[str]) -> sa.ColumnElement[Any]:
    """The object with every known key removed, minified: ``'{}'`` when it has no other key."""
    if not paths:
        return sa.func.json(document)
    residue = document
    for start in range(0, len(paths), SQLITE_PATHS_PER_CALL):
        residue = sa.func.json_remove(residue, *paths[start:start + SQLITE_PATHS_PER_CALL])
    return residue


def _sqlite_discover(store: SqlEventStore, payload: PayloadDocument, where: list[sa.ColumnElement[bool]],
                     known: dict[str, str]) -> bool:
    """Add to ``known`` (key → path) the keys of this part's payloads that no known path removes.

    SQLite's ``json_each`` is a virtual table, which the inspector's read-only authorizer
    refuses to construct; so keys are found by asking for a few payloads that still hold a
    key once the known ones are removed (``json_remove``), until there is none.
    """
    layout = store.layout
    added = False
    while True:
        residue = _sqlite_residue(payload.document, sorted(known.values()))
        query = (sa.select(payload.document.label("document")).select_from(layout.table)
                 .where(*where, payload.is_object, residue != "{}").limit(SQLITE_DISCOVERY_ROWS))
        found = False
        for row in store._rows(query):
            decoded = decode_json(row.document)
            if not isinstance(decoded.value, dict):
                continue
            for key in decoded.value:
                path = _sqlite_path(str(key))
                if path is not None and str(key) not in known:
                    known[str(key)] = path
                    found = True
        if not found:
            return added  # none left, or only keys no path can name
        added = True


def _sqlite_part(store: SqlEventStore, builder: SurveyBuilder, payload: PayloadDocument, timing: _Timing,
                 kind: sa.ColumnElement[Any], where: list[sa.ColumnElement[bool]], known: dict[str, str]) -> None:
    """One part of a SQLite store, grouped by *payload shape*: per row its type, time, whether the
    payload is JSON and an object, and the JSON type of each known key (NULL: absent), grouped
    by all of them. A type has a few shapes (one per version of the event), so the groups are
    few, each row is parsed once per key and sorted once; the shapes are then split per field.

    A shape whose payload holds a key not known yet (``json_remove`` of the known ones leaves
    something) sends the part back to ``_sqlite_discover`` and is counted again with the new keys.
    """
    layout = store.layout
    time = timing.key if timing.key is not None else sa.null()
    if not known:
        _sqlite_discover(store, payload, where, known)
    while True:
        keys = sorted(known.items())
        groups = [keys[start:start + SQLITE_KEYS_PER_QUERY] for start in range(0, len(keys), SQLITE_KEYS_PER_QUERY)]
        results = [_sqlite_shapes(store, payload, time, kind, where, group, totals=index == 0, known=known)
                   for index, group in enumerate(groups or [[]])]
        unknown = any(row.unknown for row in results[0])
        if unknown and _sqlite_discover(store, payload, where, known):
            continue  # keys seen for the first time in this part: count it again with them
        break
    if unknown:
        _sqlite_unnamed_keys(store, builder, payload, timing, kind, where, known)
    for index, (rows, group) in enumerate(zip(results, groups or [[]])):
        for row in rows:
            name = layout.type_from_db(row.type)
            first, last = timing.read(row.first_at), timing.read(row.last_at)
            if index == 0:
                events, is_object = int(row.events), bool(row.object)
                builder.add_totals(name, events, first, last)
                builder.add_surveyed(name, surveyed=events, objects=events if is_object else 0,
                                     unreadable=0 if row.valid else events,
                                     objects_first=first if is_object else None, objects_last=last if is_object else None)
            for position, (key, _path) in enumerate(group):
                json_type = getattr(row, f"k{position}")
                if json_type is not None:
                    builder.add_field(name, key, json_type_name(json_type), int(row.events), first, last)


def _sqlite_unnamed_keys(store: SqlEventStore, builder: SurveyBuilder, payload: PayloadDocument, timing: _Timing,
                         kind: sa.ColumnElement[Any], where: list[sa.ColumnElement[bool]], known: dict[str, str]) -> None:
    """Count in Python the keys no SQLite path can name (a ``"`` in the name), of the few payloads
    holding one, read page by page; their other keys were counted in SQL."""
    layout = store.layout
    time = timing.key if timing.key is not None else sa.null()
    residue = _sqlite_residue(payload.document, sorted(known.values()))
    base = (sa.select(layout.position.label("position"), kind.label("type"), time.label("recorded"),
                      payload.document.label("document"))
            .select_from(layout.table).where(*where, payload.is_object, residue != "{}"))
    cursor = None
    while True:
        query = base if cursor is None else base.where(layout.position > cursor)
        rows = store._rows(query.order_by(layout.position).limit(store.page_size))
        for row in rows:
            decoded = decode_json(row.document)
            if isinstance(decoded.value, dict):
                at = timing.read(row.recorded)
                for key, value in decoded.value.items():
                    if str(key) not in known:
                        builder.add_field(layout.type_from_db(row.type), str(key), json_type_of(value), 1, at, at)
        if len(rows) < store.page_size:
            return
        cursor = rows[-1].position


def _sqlite_shapes(store: SqlEventStore, payload: PayloadDocument, time: sa.ColumnElement[Any],
                   kind: sa.ColumnElement[Any], where: list[sa.ColumnElement[bool]], keys: list[tuple[str, str]],
                   *, totals: bool, known: dict[str, str]) -> list[Any]:
    """The part's rows grouped by type and payload shape (``k0``.. the JSON types of ``keys``);
    with ``totals`` every row (with ``valid``, ``object`` and ``unknown``), else object payloads only."""
    layout = store.layout
    # subqueries SQLite keeps apart (``LIMIT -1``), so each row's time and tests are computed once and
    # its text parsed once per function: json_valid, then json_type per key, then json_remove
    read = (sa.select(kind.label("type"), time.label("t"), payload.document.label("document"),
                      payload.state.label("state"))
            .select_from(layout.table).where(*where))
    if not totals:
        read = read.where(payload.is_object)
    tested = read.limit(-1).subquery("surveyed")
    objects = sa.case((tested.c.state == 2, tested.c.document), else_=None)
    shaped: list[sa.ColumnElement[Any]] = [
        tested.c.type, tested.c.t, sa.case((tested.c.state > 0, 1), else_=0).label("valid"),
        sa.case((tested.c.state == 2, 1), else_=0).label("object"),
        *[sa.func.json_type(objects, path).label(f"k{index}") for index, (_key, path) in enumerate(keys)]]
    if totals:
        residue = _sqlite_residue(objects, sorted(known.values()))
        shaped.append(sa.case((tested.c.state != 2, 0), (residue != "{}", 1), else_=0).label("unknown"))
    second = sa.select(*shaped).limit(-1).subquery("shaped")
    group = [second.c.type, second.c.valid, second.c.object, *[second.c[f"k{i}"] for i in range(len(keys))]]
    if totals:
        group.append(second.c.unknown)
    query = sa.select(*group, sa.func.count().label("events"), sa.func.min(second.c.t).label("first_at"),
                      sa.func.max(second.c.t).label("last_at")).group_by(*group)
    return store._rows(query)


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _has_envelope(layout: SqlLayout) -> bool:
    """Whether the layout's decoded payloads carry the ``eventsourcing`` library's envelope fields."""
    return layout.name == "eventsourcing"


#: Said in ``method_detail`` when the envelope fields are left out.
_ENVELOPE_NOTE = f"; the library's envelope fields ({', '.join(sorted(ENVELOPE_KEYS))}) are not listed"


def _why_sampled(layout: SqlLayout) -> str:
    found = payload_column(layout)
    if found is None:
        return f"the {layout.name} layout's payloads are decoded in Python only"
    column = found[0]
    return (f"{_spelled(layout, column)} is not a JSON type this engine's functions read "
            "without failing on a row that is not JSON")


def _sample_sql(store: SqlEventStore, builder: SurveyBuilder, where: list[sa.ColumnElement[bool]],
                category: str | None, sample: int, total: int, cancel: CancelToken | None,
                progress: Progress | None = None) -> tuple[int, int]:
    """Decode up to ``sample`` events into ``builder``: all of them when there are no more,
    else ``SAMPLE_STRETCHES`` runs of consecutive positions spread evenly from the first to
    the last position (``progress`` after each run). Returns ``(events read, stretches)``."""
    layout = store.layout
    position = layout.position
    in_category = _category_check(store, category) if category is not None and layout.category_clause(
        category) is None else None
    base = sa.select(*layout.columns).select_from(layout.table).where(*where)
    seen: set[Any] = set()
    taken = [0]  # events of the category decoded into the survey
    envelope = _has_envelope(layout)  # fields about the event, not its payload: left out

    def take(rows: list[Any]) -> None:
        if in_category is not None:
            in_category.page(rows)  # the categories of the rows' new streams, in one statement
        for row in rows:
            if row.position in seen or taken[0] >= sample:
                continue
            seen.add(row.position)
            event = layout.row_to_event(row)
            if envelope and isinstance(event.data, dict):
                event = replace(event, data={k: v for k, v in event.data.items() if k not in ENVELOPE_KEYS})
            if in_category is None or in_category(event):
                builder.add_event(event)
                taken[0] += 1

    if total <= sample:
        cursor = None
        while not (cancel is not None and cancel.cancelled):
            query = base if cursor is None else base.where(position > cursor)
            rows = store._rows(query.order_by(position).limit(store.page_size))
            take(rows)
            if len(rows) < store.page_size:
                break
            cursor = rows[-1].position
        return taken[0], 1
    low, high = store._rows(sa.select(sa.func.min(position), sa.func.max(position))
                            .select_from(layout.table).where(*where))[0]
    # an ordered read of a computed position sorts the table: one stretch only there
    stretches = min(SAMPLE_STRETCHES, sample) if isinstance(position, sa.Column) else 1
    size = math.ceil(sample / stretches)
    for i in range(stretches):
        if (cancel is not None and cancel.cancelled) or taken[0] >= sample:
            break
        start = low + (high - low) * i // stretches
        take(store._rows(base.where(position >= start).order_by(position).limit(size)))
        if progress is not None:
            progress(i + 1, stretches)
    return taken[0], stretches


def _category_check(store: SqlEventStore, category: str) -> StreamsOfCategory:
    """Whether an event's stream is of the category; ``page(rows)`` asks the categories of the
    rows' streams not met before in one statement."""
    return store.streams_of_category(category)


# --- JSON Lines --------------------------------------------------------------------------------
def survey_jsonl(store: JsonlEventStore, *, category: str | None = None, cancel: CancelToken | None = None,
                 sample: int = DEFAULT_SAMPLE, progress: Progress | None = None, envelope: bool = False) -> TypeSurvey:
    """The type survey of a JSON Lines file: ``sample`` lines decoded, spread evenly over the
    file (the category's lines when one is given); every line when there are no more."""
    if category is None:
        # every line but those that are no event (in no type: said in the detail)
        skipped = set(store._unreadable)
        offsets = [offset for line, offset in enumerate(store._offsets) if line not in skipped] if skipped \
            else list(store._offsets)
    else:
        offsets = sorted(offset for name, index in store._streams.items()
                         if in_category(store.category(name), category) for offset in index.offsets)
    total = len(offsets)
    builder = SurveyBuilder(ENVELOPE_KEYS if envelope else frozenset())
    everything = total <= sample
    if everything:
        chosen = offsets
    else:
        chosen = [offsets[(i * total) // sample] for i in range(sample)]
        if category is None:
            for name, count in store.event_types():
                builder.add_totals(name, count, None, None)  # counted when the file was opened
        else:
            builder.totals_are_sampled()
    complete = True
    read = 0
    for start in range(0, len(chosen), 1000):
        if cancel is not None and cancel.cancelled:
            complete = False
            break
        batch = [(store._line_of(offset), offset) for offset in chosen[start:start + 1000]]
        for event in store._read_many(batch):
            if category is None or in_category(store.category(event.stream), category):  # as streams lists it
                builder.add_event(event, count_total=everything)
            read += 1
        if progress is not None:
            progress(read, len(chosen))
    if everything:
        detail = f"every event decoded ({read:,}): a JSON Lines file is decoded in Python"
    else:
        counts = "counts per type from the file's index" if category is None else "counts per type are the sample's"
        detail = (f"sampled {read:,} of {total:,} events, evenly spread over the file: a JSON Lines file "
                  f"is decoded in Python; {counts}, times per type the sample's")
    if store.unreadable_count and category is None:
        detail += (f"; {store.unreadable_count:,} line(s) that are no event left out (in no type: "
                   "events lists them, check reports them)")
    if envelope:
        detail += _ENVELOPE_NOTE
    return builder.build(method="decoded" if everything else "sample", method_detail=detail, category=category,
                         sampled=None if everything else read, complete=complete,
                         sampled_from=None if everything else total)
