"""An SPSS system file (`.sav`) written in chunks, so memory does not grow with rows.

The dictionary gives every string variable's width before the data, so the rows are spooled
first (to an anonymous temporary file, one chunk at a time, noting the widest text of each
column), then the file is written from the spool; the number of cases is patched into the
header at the end. Data are bytecode-compressed (SPSS's "simple" compression: one command
byte per 8-byte unit, small whole numbers and blank text in that byte alone), worked out a
chunk at a time with numpy.

Types (as `writers.py` declares them for every format):

- integer, number, 0/1 flag: numeric (a double; whole numbers exact up to 2^53), formats
  F12.0 (integer, flag) and F20.12 (number); flags carry the value labels No/Yes;
- time: numeric, seconds since 1582-10-14 00:00:00 (SPSS's epoch), format DATETIME20, UTC;
- text: string of the column's widest value in bytes (UTF-8; at least 1); text over 255
  bytes is a *very long string*, stored as 255-byte segments (subtype 14 record). SPSS's
  widest string is 32,767 bytes, so longer text is cut there (never mid-character);
- text with value labels: numeric codes 1, 2, ... with value labels.

Missing numbers and times are system-missing; missing text the empty string. Names: an
8-byte short name per variable (segment) and the column name as its long name (subtype 13).
Character encoding UTF-8 (subtype 20).

Specification: GNU PSPP developers' guide, "System File Format"
(https://www.gnu.org/software/pspp/pspp-dev/html_node/System-File-Format.html).
"""

from __future__ import annotations

import pickle
import struct
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from casecast.resolution.exports.columns import Column, ColumnType, utf8_values

MAX_WIDTH = 32767  # SPSS's widest string variable
SEGMENT = 255  # the widest segment of a very long string
SEGMENT_STEP = 252  # a very long string has one segment per 252 bytes of width
SYSMIS = -sys.float_info.max
_SYSMIS_BITS = struct.unpack("<Q", struct.pack("<d", SYSMIS))[0]
_LOWEST = struct.unpack("<d", struct.pack("<Q", 0xFFEFFFFFFFFFFFFE))[0]
_BLANK_BITS = struct.unpack("<Q", b" " * 8)[0]
_EPOCH = datetime(1582, 10, 14, tzinfo=UTC)
BIAS = 100
# Format codes: type << 16 | width << 8 | decimals.
F_INTEGER = 5 << 16 | 12 << 8
F_NUMBER = 5 << 16 | 20 << 8 | 12
F_DATETIME = 22 << 16 | 20 << 8
# Words SPSS never accepts as a variable name.
_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}


# Seconds from SPSS's epoch to the Unix epoch: a UTC time's `timestamp()` (exact for whole
# seconds) plus this is its SPSS value.
_UNIX_EPOCH_OFFSET = (datetime(1970, 1, 1, tzinfo=UTC) - _EPOCH).days * 86400


def _cut(data: bytes, size: int) -> bytes:
    """At most `size` bytes of UTF-8, never cut mid-character."""
    if len(data) <= size:
        return data
    return data[:size].decode("utf-8", "ignore").encode("utf-8")


def _round8(width: int) -> int:
    return (width + 7) // 8 * 8


def segments(width: int) -> list[int]:
    """The widths of the segments a string of `width` bytes is stored as."""
    if width <= SEGMENT:
        return [width]
    n = (width + SEGMENT_STEP - 1) // SEGMENT_STEP
    return [SEGMENT] * (n - 1) + [width - (n - 1) * SEGMENT_STEP]


class _Layout:
    """Which columns are text, which times, and each numeric column's display format."""

    def __init__(self, columns: Sequence[Column[Any]], coded: set[int]) -> None:
        self.columns = list(columns)
        self.text = [
            i for i, c in enumerate(self.columns) if c.type is ColumnType.TEXT and i not in coded
        ]
        self.times = [i for i, c in enumerate(self.columns) if c.type is ColumnType.TIME]
        self.formats: list[int] = []
        for i, column in enumerate(self.columns):
            if i in self.text:
                self.formats.append(0)
            elif column.type is ColumnType.TIME:
                self.formats.append(F_DATETIME)
            elif column.type is ColumnType.NUMBER and i not in coded:
                self.formats.append(F_NUMBER)
            else:
                self.formats.append(F_INTEGER)


def _spool(
    layout: _Layout, chunks: Iterator[list[list[Any]]], spool: IO[bytes]
) -> tuple[int, list[int]]:
    """Spool the chunks of rows (each a list of column values), column by column (text as
    UTF-8, times as SPSS date-times); return the number of rows and each text column's
    widest value in bytes."""
    count, widths = 0, [0] * len(layout.columns)
    for columns in chunks:
        if columns and columns[0]:
            count += _dump(layout, columns, widths, spool)
    spool.seek(0)
    return count, widths


def _dump(layout: _Layout, columns: list[Any], widths: list[int], spool: IO[bytes]) -> int:
    """One chunk as numpy arrays: text as UTF-8 bytes (`S` of the chunk's widest), every
    other column as doubles with system-missing for None (times in SPSS's seconds)."""
    arrays: list[np.ndarray[Any, Any]] = []
    text, times = set(layout.text), set(layout.times)
    for i, values in enumerate(columns):
        if i in text:
            data = utf8_values(values)
            width = max(map(len, data))
            if width > MAX_WIDTH:
                data = [_cut(d, MAX_WIDTH) for d in data]
                width = MAX_WIDTH
            widths[i] = max(widths[i], width)
            arrays.append(np.array(data, dtype=f"S{max(width, 1)}"))
            continue
        if i in times:
            values = [None if v is None else v.timestamp() + _UNIX_EPOCH_OFFSET for v in values]
        numbers = np.array(values, dtype="<f8")  # None -> NaN
        numbers[np.isnan(numbers)] = SYSMIS
        arrays.append(numbers)
    pickle.dump(arrays, spool, protocol=pickle.HIGHEST_PROTOCOL)
    return len(arrays[0])


def _chunks(spool: IO[bytes]) -> Iterator[list[Any]]:
    while True:
        try:
            yield pickle.load(spool)  # our own spool, written just now: trusted
        except EOFError:
            return


class _Names:
    """Unique short names (at most 8 bytes, upper case, not a reserved word)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, name: str) -> str:
        short = name[:8].upper()
        n = 0
        while short in self.used or short in _RESERVED or not short[:1].isalpha():
            n += 1
            short = f"V{n:07d}"
        self.used.add(short)
        return short


def _label_bytes(text: str) -> bytes:
    data = _cut(text.encode("utf-8"), 255)
    return struct.pack("<i", len(data)) + data.ljust(-(-len(data) // 4) * 4, b" ")


def _variable_record(width: int, format: int, short: str, label: str | None) -> bytes:
    """A variable's record and, for a string over 8 bytes, its continuation records."""
    record = struct.pack(
        "<iiiiii8s", 2, width, 1 if label else 0, 0, format, format, short.encode().ljust(8)
    )
    if label:
        record += _label_bytes(label)
    continuation = struct.pack("<iiiiii8s", 2, -1, 0, 0, 0, 0, b" " * 8)
    return record + continuation * (_round8(width) // 8 - 1 if width else 0)


def _extension(subtype: int, size: int, body: bytes) -> bytes:
    return struct.pack("<iiii", 7, subtype, size, len(body) // size) + body


class _Dictionary:
    """The variable records and the extension records that name and size them."""

    def __init__(self, layout: _Layout, widths: list[int]) -> None:
        names = _Names()
        self.records: list[bytes] = []
        self.long_names: list[str] = []
        self.very_long: list[str] = []
        self.index: dict[str, int] = {}  # column name -> its first 8-byte unit (1-based)
        self.numeric: list[bool] = []  # per 8-byte unit of a case
        self.cells: list[str] = []  # the data's struct format, per column
        self.split: dict[int, list[int]] = {}  # column -> its segments' allocated bytes
        for i, column in enumerate(layout.columns):
            self.index[column.name] = len(self.numeric) + 1
            short = names(column.name)
            self.long_names.append(f"{short}={column.name}")
            if i not in layout.text:
                self.records.append(_variable_record(0, layout.formats[i], short, column.label))
                self.numeric.append(True)
                self.cells.append("d")
                continue
            width = max(1, widths[i])
            parts = segments(width)
            if len(parts) > 1:
                self.very_long.append(f"{short}={width:05d}\0\t")
            for n, part in enumerate(parts):
                name = short if n == 0 else names(f"{column.name[:5]}{n}")
                string = 1 << 16 | part << 8
                self.records.append(
                    _variable_record(part, string, name, column.label if n == 0 else None)
                )
                self.numeric.extend([False] * (_round8(part) // 8))
            self.split[i] = [_round8(part) for part in parts]
            self.cells.append(f"{sum(self.split[i])}s")

    @property
    def case_size(self) -> int:
        return len(self.numeric)


def _header(case_size: int, file_label: str) -> bytes:
    now = datetime.now(UTC)
    return struct.pack(
        "<4s60siiiiid9s8s64s3s",
        b"$FL2",
        b"@(#) SPSS DATA FILE Casecast".ljust(60),
        2,  # layout code
        case_size,
        1,  # bytecode compression
        0,  # not weighted
        -1,  # cases: patched at the end
        float(BIAS),
        now.strftime("%d %b %y").encode(),
        now.strftime("%H:%M:%S").encode(),
        _cut(file_label.encode("utf-8"), 64).ljust(64),
        b"\0\0\0",
    )


_CASES_OFFSET = 80  # of the case count in the header


def _value_labels(index: int, labels: dict[int, str]) -> bytes:
    body = b""
    for value, text in sorted(labels.items()):
        data = _cut(text.encode("utf-8"), 120)
        body += struct.pack("<dB", float(value), len(data)) + data
        body += b" " * (-(len(data) + 1) % 8)
    return (
        struct.pack("<ii", 3, len(labels))
        + body
        + struct.pack("<iii", 4, 1, index)  # the variable the labels belong to
    )


def _write_dictionary(
    out: IO[bytes],
    dictionary: _Dictionary,
    labels: dict[str, dict[int, str]],
) -> None:
    out.write(b"".join(dictionary.records))
    for name, table in labels.items():
        if table:
            out.write(_value_labels(dictionary.index[name], table))
    machine = struct.pack("<8i", 20, 0, 0, -1, 1, 1, 2, 65001)  # IEEE, little-endian, UTF-8
    out.write(_extension(3, 4, machine))
    out.write(_extension(4, 8, struct.pack("<3d", SYSMIS, sys.float_info.max, _LOWEST)))
    out.write(_extension(13, 1, "\t".join(dictionary.long_names).encode("utf-8")))
    if dictionary.very_long:
        out.write(_extension(14, 1, "".join(dictionary.very_long).encode("utf-8")))
    out.write(_extension(20, 1, b"UTF-8"))
    out.write(struct.pack("<ii", 999, 0))


def write_sav(
    *,
    path: Path,
    columns: Sequence[Column[Any]],
    chunks: Iterator[list[list[Any]]],
    coded: set[int],
    labels: dict[str, dict[int, str]],
    file_label: str,
) -> int:
    """Write `chunks` of rows (each a list of column values: typed values, coded text
    already numbered) as a .sav file; return the number of rows. `labels`: variable
    name -> its value labels (code -> text), read only after every row (a coded column's
    codes are complete then)."""
    layout = _Layout(columns, coded)
    with tempfile.TemporaryFile() as spool:
        count, widths = _spool(layout, chunks, spool)
        dictionary = _Dictionary(layout, widths)
        with path.open("wb") as out:
            out.write(_header(dictionary.case_size, file_label))
            _write_dictionary(out, dictionary, labels)
            _write_data(out, dictionary, spool)
            out.seek(_CASES_OFFSET)
            out.write(struct.pack("<i", count))
    return count


def _write_data(out: IO[bytes], dictionary: _Dictionary, spool: IO[bytes]) -> None:
    """Each chunk's cases as a numpy record array (numbers as doubles; text padded with
    spaces to its segments), then compressed."""
    dtype = np.dtype(
        [
            (f"c{i}", "<f8" if cell == "d" else f"S{cell[:-1]}")
            for i, cell in enumerate(dictionary.cells)
        ]
    )
    numeric = np.array(dictionary.numeric, dtype=bool)
    text_bytes = np.repeat(~numeric, 8)  # which bytes of a case hold text
    compressor = _Compressor(out, numeric)
    for arrays in _chunks(spool):
        cases = np.zeros(len(arrays[0]), dtype=dtype)
        for i, values in enumerate(arrays):
            parts = dictionary.split.get(i)
            if parts is not None and len(parts) > 1:
                cases[f"c{i}"] = [_padded(data, parts) for data in values.tolist()]
            else:
                cases[f"c{i}"] = values  # shorter text is padded with NUL bytes here
        raw = cases.view(np.uint8).reshape(len(cases), dtype.itemsize)
        # UTF-8 text from the database holds no NUL byte, so every NUL in text is padding.
        raw[:, text_bytes] = np.where(raw[:, text_bytes] == 0, 32, raw[:, text_bytes])
        compressor.write(cases.tobytes(), len(cases))
    compressor.close()


def _padded(data: bytes, parts: list[int]) -> bytes:
    """A very long string as its segments hold it: 255 bytes of it in each, each padded
    with spaces."""
    return b"".join(
        data[n * SEGMENT : (n + 1) * SEGMENT].ljust(size) for n, size in enumerate(parts)
    )


class _Compressor:
    """Bytecode compression of whole cases, 8 command bytes at a time.

    Each 8-byte unit gets a command byte: 1-251 a whole number from -99 to 151 (stored as
    the number plus the bias, 100), 255 system-missing, 254 eight spaces, 253 "the unit
    follows as is". Eight commands are followed by the units that follow as is; a group may
    span cases, so the units of an unfinished group wait for the next chunk.
    """

    def __init__(self, out: IO[bytes], numeric: np.ndarray[Any, Any]) -> None:
        self.out = out
        self.numeric = numeric
        self.codes = np.empty(0, dtype=np.uint8)
        self.units = np.empty(0, dtype="<u8")

    def write(self, data: bytes, cases: int) -> None:
        units = np.frombuffer(data, dtype="<u8")
        codes = _codes(units, np.tile(self.numeric, cases))
        self.codes = np.concatenate([self.codes, codes])
        self.units = np.concatenate([self.units, units])
        whole = len(self.codes) // 8 * 8
        self.out.write(_blocks(self.codes[:whole], self.units[:whole]))
        self.codes, self.units = self.codes[whole:], self.units[whole:]

    def close(self) -> None:
        if len(self.codes):
            pad = 8 - len(self.codes)
            codes = np.concatenate([self.codes, np.zeros(pad, dtype=np.uint8)])  # 0: ignored
            units = np.concatenate([self.units, np.zeros(pad, dtype="<u8")])
            self.out.write(_blocks(codes, units))


def _codes(units: np.ndarray[Any, Any], numeric: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    values = units.view("<f8")
    codes = np.full(len(units), 253, dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        small = numeric & (values >= -99) & (values <= 151) & (np.floor(values) == values)
    codes[small] = (values[small] + BIAS).astype(np.uint8)
    codes[numeric & (units == _SYSMIS_BITS)] = 255
    codes[~numeric & (units == _BLANK_BITS)] = 254
    return codes


def _blocks(codes: np.ndarray[Any, Any], units: np.ndarray[Any, Any]) -> bytes:
    """Groups of 8 command bytes, each followed by its units stored as is."""
    if not len(codes):
        return b""
    raw = codes == 253
    raw_through = np.cumsum(raw)  # raw units up to and including each unit
    groups = len(codes) // 8
    raw_before = np.concatenate([[0], raw_through[7::8][:-1]])  # before each group
    out = np.empty(groups + int(raw_through[-1]), dtype="<u8")
    out[np.arange(groups) + raw_before] = codes.view("<u8")
    where = np.flatnonzero(raw)
    # A raw unit k of group k // 8 follows that group's command unit and the raw units
    # before it: position k // 8 + (raw units up to and including k).
    out[where // 8 + raw_through[where]] = units[where]
    return out.tobytes()
