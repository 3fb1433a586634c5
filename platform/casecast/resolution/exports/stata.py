"""A Stata `.dta` file (format 118, Stata 14 and later) written in chunks, so memory does not
grow with rows.

Stata's header gives the number of rows and every string column's width before the data, so
the rows are spooled first (to an anonymous temporary file, one chunk at a time, noting the
count and the widest text of each column), then the file is written from the spool. Text
longer than a fixed-width string holds (2,045 bytes) is stored as a strL.

Types (as `writers.py` declares them for every format):

- integer: double (whole numbers; exact up to 2^53); an integer column with value labels
  (such as phase): long, so its labels apply;
- number: double; 0/1 flag: byte with the value labels No/Yes;
- time: double, milliseconds since 1960-01-01 00:00:00, format `%tc` (UTC);
- text: str#; text with value labels: long codes 1, 2, ... with a value label.

Missing numbers are Stata's system missing `.`; missing text the empty string.
Specification: https://www.stata.com/help.cgi?dta (the 118 layout, little-endian).
"""

from __future__ import annotations

import pickle
import shutil
import struct
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from casecast.resolution.exports.columns import Column, ColumnType, utf8_values

STR_MAX = 2045  # the widest fixed-width string (str2045)
STRL = 32768
DOUBLE, LONG, BYTE = 65526, 65528, 65530
MISSING_DOUBLE = struct.unpack("<d", struct.pack("<Q", 0x7FE0000000000000))[0]
MISSING_LONG = 2147483621
MISSING_BYTE = 101
_EPOCH = datetime(1960, 1, 1, tzinfo=UTC)


def _ms_since_1960(value: datetime) -> float:
    # Whole seconds (the writers truncate), so the milliseconds are exact in a double.
    delta = value - _EPOCH
    return float((delta.days * 86400 + delta.seconds) * 1000)


class _Layout:
    """What kind of Stata variable each column is, decided from its declaration."""

    def __init__(self, columns: Sequence[Column[Any]], coded: set[int]) -> None:
        self.columns = list(columns)
        self.coded = coded
        self.kinds: list[str] = []
        for i, column in enumerate(self.columns):
            if i in coded:
                self.kinds.append("long")
            elif column.type is ColumnType.TEXT:
                self.kinds.append("text")
            elif column.type is ColumnType.FLAG:
                self.kinds.append("byte")
            elif column.type is ColumnType.INTEGER and column.value_labels:
                self.kinds.append("long")
            elif column.type is ColumnType.TIME:
                self.kinds.append("time")
            else:
                self.kinds.append("double")


def _numbers(values: list[Any], missing: float, dtype: str) -> np.ndarray[Any, Any]:
    """A column of numbers (None as `missing`) as the data section stores it."""
    numbers = np.array(values, dtype="<f8")  # None -> NaN (typed values are never NaN)
    numbers[np.isnan(numbers)] = missing
    return numbers.astype(dtype)


def _spool_columns(layout: _Layout, columns: list[list[Any]], widths: list[int]) -> list[Any]:
    """A chunk's typed columns as the data section stores them: text as UTF-8 bytes (its
    widest value noted in `widths`), times as %tc, numbers as numpy arrays of their
    Stata type, missing as Stata's system missing."""
    out: list[Any] = []
    for i, (kind, values) in enumerate(zip(layout.kinds, columns, strict=True)):
        if kind == "text":
            data = utf8_values(values)
            widths[i] = max(widths[i], max(map(len, data)))
            out.append(data)
        elif kind == "time":
            out.append(
                np.array(
                    [MISSING_DOUBLE if v is None else _ms_since_1960(v) for v in values],
                    dtype="<f8",
                )
            )
        elif kind == "double":
            out.append(_numbers(values, MISSING_DOUBLE, "<f8"))
        elif kind == "long":
            out.append(_numbers(values, MISSING_LONG, "<i4"))
        else:
            out.append(_numbers(values, MISSING_BYTE, "i1"))
    return out


def _spool(
    layout: _Layout, chunks: Iterator[list[list[Any]]], spool: IO[bytes]
) -> tuple[int, list[int]]:
    count, widths = 0, [0] * len(layout.columns)
    for columns in chunks:
        if columns and columns[0]:
            pickle.dump(
                _spool_columns(layout, columns, widths), spool, protocol=pickle.HIGHEST_PROTOCOL
            )
            count += len(columns[0])
    spool.seek(0)
    return count, widths


def _chunks(spool: IO[bytes]) -> Iterator[list[Any]]:
    while True:
        try:
            yield pickle.load(spool)  # our own spool, written just now: trusted
        except EOFError:
            return


def _fixed(text: str, size: int) -> bytes:
    """UTF-8, cut to fit `size` bytes with a terminating null (never mid-character)."""
    data = text.encode("utf-8")[: size - 1]
    return data.decode("utf-8", "ignore").encode("utf-8").ljust(size, b"\0")


def _tag(name: str, body: bytes = b"") -> bytes:
    return f"<{name}>".encode() + body + f"</{name}>".encode()


class _Writer:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offsets: dict[str, int] = {}

    def section(self, name: str, body: bytes) -> None:
        self.offsets[name] = self.out.tell()
        self.out.write(_tag(name, body))


def _types(layout: _Layout, widths: list[int]) -> list[int]:
    codes = {"double": DOUBLE, "time": DOUBLE, "long": LONG, "byte": BYTE}
    return [
        (max(1, widths[i]) if widths[i] <= STR_MAX else STRL) if kind == "text" else codes[kind]
        for i, kind in enumerate(layout.kinds)
    ]


def _formats(layout: _Layout, types: list[int]) -> list[str]:
    formats = []
    for kind, stata_type in zip(layout.kinds, types, strict=True):
        if kind == "text":
            formats.append("%9s" if stata_type == STRL else f"%-{min(stata_type, 2045)}s")
        elif kind == "time":
            formats.append("%tc")
        elif kind == "double":
            formats.append("%10.0g")
        else:
            formats.append("%8.0g")
    return formats


def _row_dtype(types: list[int]) -> np.dtype[Any]:
    """One observation as a numpy record, packed as the data section stores it."""
    parts = []
    for i, stata_type in enumerate(types):
        if stata_type == DOUBLE:
            parts.append((f"v{i}", "<f8"))
        elif stata_type == LONG:
            parts.append((f"v{i}", "<i4"))
        elif stata_type == BYTE:
            parts.append((f"v{i}", "i1"))
        elif stata_type == STRL:
            parts.append((f"v{i}", "S8"))
        else:
            parts.append((f"v{i}", f"S{stata_type}"))  # padded with nulls
    return np.dtype(parts)


def _value_label_table(name: str, labels: dict[int, str]) -> bytes:
    texts, offsets, values, position = b"", [], [], 0
    for value, label in sorted(labels.items()):
        data = label.encode("utf-8")[:32000] + b"\0"
        offsets.append(position)
        values.append(value)
        texts += data
        position += len(data)
    n = len(values)
    table = struct.pack(f"<ii{n}i{n}i", n, len(texts), *offsets, *values) + texts
    return _tag("lbl", struct.pack("<i", len(table)) + _fixed(name, 129) + b"\0\0\0" + table)


def write_dta(
    *,
    path: Path,
    columns: Sequence[Column[Any]],
    chunks: Iterator[list[list[Any]]],
    coded: set[int],
    labels: dict[str, dict[int, str]],
    file_label: str,
) -> int:
    """Write `chunks` of rows (each a list of column values: typed values, coded text
    already numbered) as a .dta file; return the number of rows. `labels`: variable
    name -> its value labels (code -> text)."""
    layout = _Layout(columns, coded)
    with tempfile.TemporaryFile() as spool, tempfile.TemporaryFile() as strls:
        count, widths = _spool(layout, chunks, spool)
        types = _types(layout, widths)
        with path.open("wb") as out:
            _write_file(out, layout, types, count, spool, strls, labels, file_label)
    return count


def _write_file(
    out: IO[bytes],
    layout: _Layout,
    types: list[int],
    count: int,
    spool: IO[bytes],
    strls: IO[bytes],
    labels: dict[str, dict[int, str]],
    file_label: str,
) -> None:
    names = [column.name for column in layout.columns]
    k = len(names)
    writer = _Writer(out)
    label = file_label.encode("utf-8")[:320]
    stamp = datetime.now(UTC).strftime("%d %b %Y %H:%M").encode()
    out.write(b"<stata_dta>")
    header = (
        _tag("release", b"118")
        + _tag("byteorder", b"LSF")
        + _tag("K", struct.pack("<H", k))
        + _tag("N", struct.pack("<Q", count))
        + _tag("label", struct.pack("<H", len(label)) + label)
        + _tag("timestamp", struct.pack("<B", len(stamp)) + stamp)
    )
    out.write(_tag("header", header))
    writer.section("map", b"\0" * 8 * 14)  # rewritten once every offset is known
    writer.section("variable_types", struct.pack(f"<{k}H", *types))
    writer.section("varnames", b"".join(_fixed(name, 129) for name in names))
    writer.section("sortlist", b"\0\0" * (k + 1))
    writer.section("formats", b"".join(_fixed(f, 57) for f in _formats(layout, types)))
    writer.section(
        "value_label_names",
        b"".join(_fixed(name if name in labels else "", 129) for name in names),
    )
    writer.section(
        "variable_labels", b"".join(_fixed(column.label, 321) for column in layout.columns)
    )
    writer.section("characteristics", b"")
    _write_data(writer, types, spool, strls)
    writer.offsets["strls"] = out.tell()
    out.write(b"<strls>")
    strls.seek(0)
    shutil.copyfileobj(strls, out)
    out.write(b"</strls>")
    writer.section(
        "value_labels",
        b"".join(_value_label_table(name, labels[name]) for name in names if name in labels),
    )
    writer.offsets["end_tag"] = out.tell()
    out.write(b"</stata_dta>")
    end = out.tell()
    order = [
        "map",
        "variable_types",
        "varnames",
        "sortlist",
        "formats",
        "value_label_names",
        "variable_labels",
        "characteristics",
        "data",
        "strls",
        "value_labels",
        "end_tag",
    ]
    out.seek(writer.offsets["map"] + len(b"<map>"))
    out.write(struct.pack("<14Q", 0, *(writer.offsets[name] for name in order), end))


def _write_data(writer: _Writer, types: list[int], spool: IO[bytes], strls: IO[bytes]) -> None:
    """Each chunk's observations packed column by column into a numpy record array."""
    out = writer.out
    writer.offsets["data"] = out.tell()
    out.write(b"<data>")
    dtype = _row_dtype(types)
    long_text = [i for i, stata_type in enumerate(types) if stata_type == STRL]
    observation = 0
    for columns in _chunks(spool):
        n = len(columns[0])
        # strL blocks in the order of observations, then variables, as Stata writes them.
        pointers: dict[int, list[bytes]] = {i: [] for i in long_text}
        for k in range(n):
            for i in long_text:
                pointers[i].append(_strl(strls, i + 1, observation + k + 1, columns[i][k]))
        observations = np.empty(n, dtype=dtype)
        for i, values in enumerate(columns):
            observations[f"v{i}"] = pointers.get(i, values)
        observation += n
        out.write(observations.tobytes())
    out.write(b"</data>")


def _strl(strls: IO[bytes], variable: int, observation: int, data: bytes) -> bytes:
    """A strL cell: (variable, observation) pointing at a GSO block in the strls section
    (an empty string is (0, 0) and needs no block)."""
    if not data:
        return b"\0" * 8
    strls.write(b"GSO" + struct.pack("<IQBI", variable, observation, 130, len(data) + 1))
    strls.write(data + b"\0")
    return struct.pack("<H", variable) + observation.to_bytes(6, "little")
