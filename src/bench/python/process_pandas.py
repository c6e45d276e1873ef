#!/usr/bin/env python3
"""The pandas peer of `pipeline process` (issue 6): the seed's own approach, for the benchmark.

Reads the raw CSVs of a raw store (raw/locations*.csv, raw/climate_data*.csv,
raw/health_data*.csv, raw/hospital_data*.csv), applies CONTRACT section 5 exactly as the Java job
does (RawHeader, RawReader, Validation, Values, RangeRules), builds daily_location exactly as
DailyLocationTable does, writes CSV outputs and a summary JSON shared with the Java harness:

  /usr/bin/python3 process_pandas.py --raw DIR --out DIR --diseases dengue,malaria --summary FILE.json

Exit codes as the pipeline's: 0 success, 1 failed at run time, 2 bad usage or an input that breaks
the contract (a missing required column, no files for a dataset), nothing written.

Works with Debian bookworm's python3-pandas (pandas 1.5, numpy 1.24).
"""

import argparse
import io
import json
import math
import os
import re
import resource
import sys
import time
import zlib
from itertools import compress, repeat

import numpy as np
import pandas as pd

IMPLEMENTATION = "pandas"
T0 = time.monotonic()

# --- the datasets (RawDataset.java) -----------------------------------------------------------

ID, TEXT, CATEGORY, DATE, DECIMAL, COUNT = "id", "text", "category", "date", "decimal", "count"


class Dataset:
    def __init__(self, name, prefix, columns, key, date_column):
        self.name = name
        self.prefix = prefix  # file names: <prefix>*.csv directly under raw/
        self.columns = columns  # [(name, type, required)]
        self.names = [c[0] for c in columns]
        self.types = {c[0]: c[1] for c in columns}
        self.required = [c[0] for c in columns if c[2]]
        self.key = key
        self.date_column = date_column


LOCATIONS = Dataset("locations", "locations", [
    ("location_id", ID, True), ("location_name", TEXT, False), ("state_code", ID, True),
    ("district", TEXT, False), ("latitude", DECIMAL, False), ("longitude", DECIMAL, False),
    ("population", COUNT, True)], ["location_id"], None)
CLIMATE = Dataset("climate", "climate_data", [
    ("date", DATE, True), ("location_id", ID, True), ("temperature_max_c", DECIMAL, False),
    ("temperature_min_c", DECIMAL, False), ("humidity_pct", DECIMAL, False),
    ("rainfall_mm", DECIMAL, False), ("air_quality_index", DECIMAL, False)],
    ["location_id", "date"], "date")
HEALTH = Dataset("health", "health_data", [
    ("date", DATE, True), ("location_id", ID, True), ("disease", CATEGORY, True),
    ("cases", COUNT, True), ("deaths", COUNT, False), ("hospitalizations", COUNT, False)],
    ["location_id", "date", "disease"], "date")
HOSPITAL = Dataset("hospital", "hospital_data", [
    ("report_date", DATE, True), ("hospital_id", ID, True), ("location_id", ID, True),
    ("hospital_name", TEXT, False), ("total_beds", COUNT, True), ("icu_beds", COUNT, False),
    ("occupied_beds", COUNT, False)], ["hospital_id", "report_date"], "report_date")
DATASETS = [LOCATIONS, CLIMATE, HEALTH, HOSPITAL]

# Reason codes in precedence order (ReasonCode.java); index + 1 is the code stored per row.
REASONS = ["MALFORMED_ROW", "MISSING_REQUIRED", "BAD_DATE", "BAD_NUMBER", "OUT_OF_RANGE",
           "UNKNOWN_LOCATION", "DUPLICATE_KEY_CONFLICT"]
R = {name: i + 1 for i, name in enumerate(REASONS)}

# daily_location columns (DailyLocation.java)
LEADING = ["location_id", "date", "location_name", "state_code", "district", "latitude", "longitude",
           "population", "temperature_max_c", "temperature_min_c", "temperature_mean_c",
           "humidity_pct", "rainfall_mm", "air_quality_index", "rainfall_7d_mm",
           "temperature_max_7d_mean_c", "cases_total", "deaths_total", "hospitalizations_total"]
TRAILING = ["cases_per_100k", "total_beds", "icu_beds", "occupied_beds", "bed_occupancy_rate",
            "beds_per_100k"]
ROLLING_DAYS = 7

BLOCK_BYTES = 32 << 20  # raw text handled per step: memory stays bounded whatever the file size


class UsageError(Exception):
    """Bad usage or an input that breaks the contract: exit 2."""


def rss_mib():
    """Current resident set size."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def log(message):
    print(f"[pandas {time.monotonic() - T0:8.2f}s {rss_mib():7,.0f} MiB] {message}", file=sys.stderr, flush=True)


# --- values (Values.java) ---------------------------------------------------------------------

MISSING = {"", "na", "n/a", "null", "-"}
# Java's String.trim() / Double.parseDouble strip every char <= U+0020
JAVA_TRIM = "".join(chr(c) for c in range(33))
# Double.parseDouble's grammar for finite values (NaN/Infinity are not finite: rejected anyway)
JAVA_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?")
JAVA_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?")
MAX_DOUBLE = sys.float_info.max
MAX_COUNT = 1e15
# yyyy-MM-dd, dd/MM/yyyy, yyyy/MM/dd, dd-MM-yyyy, tried in this order, as the Java job reads them
# (Values.date): only these shapes, a four-digit year (year 0 exists: proleptic), day and month
# exactly two digits, strict calendar resolution.
YEAR = r"([0-9]{4})"
DATE_FORMATS = [
    (re.compile(YEAR + r"-([0-9]{2})-([0-9]{2})"), (1, 2, 3)),
    (re.compile(r"([0-9]{2})/([0-9]{2})/" + YEAR), (3, 2, 1)),
    (re.compile(YEAR + r"/([0-9]{2})/([0-9]{2})"), (1, 2, 3)),
    (re.compile(r"([0-9]{2})-([0-9]{2})-" + YEAR), (3, 2, 1)),
]
# Spark parses through a timestamp in microseconds: a date beyond this many days from 1970-01-01
# overflows a long. (The Java job then fails with "long overflow"; here it is a BAD_DATE.)
MAX_EPOCH_DAYS = 106751991
DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def present(raw):
    """Values.present: the value trimmed of spaces (Spark's trim: U+0020 only), None if missing."""
    if raw is None:
        return None
    trimmed = raw.strip(" ")
    return None if trimmed.lower() in MISSING else trimmed


def epoch_day(y, m, d):
    """Days since 1970-01-01 in the proleptic Gregorian calendar (any year)."""
    y -= m <= 2
    era = y // 400  # floor division: right for negative years too
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil(days):
    """yyyy-MM-dd of an epoch day (inverse of epoch_day)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y += m <= 2
    year = f"-{-y:04d}" if y < 0 else f"+{y}" if y > 9999 else f"{y:04d}"
    return f"{year}-{m:02d}-{d:02d}"


def parse_date(text):
    for pattern, (yi, mi, di) in DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            year = match.group(yi)
            if year.startswith("-") and not year.strip("-0"):
                continue  # minus zero is not a year
            y, m, d = int(year), int(match.group(mi)), int(match.group(di))
            if 1 <= m <= 12 and abs(y) <= 999_999_999:
                leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
                if 1 <= d <= (29 if m == 2 and leap else DAYS_IN_MONTH[m]):
                    days = epoch_day(y, m, d)
                    if abs(days) <= MAX_EPOCH_DAYS:
                        return float(days)
    return None


def parse_double(text):
    """Spark's try_cast(string as double) restricted to finite values (Values.finite)."""
    s = text.strip(JAVA_TRIM)
    if JAVA_DECIMAL.fullmatch(s):
        value = float(s[:-1] if s[-1] in "fFdD" else s)
    elif JAVA_HEX.fullmatch(s):
        value = float.fromhex(s[:-1] if s[-1] in "fFdD" else s)
    else:
        return None
    if not abs(value) < MAX_DOUBLE:
        return None
    return value  # -0.0 stays -0.0, as in Spark; duplicates compare it equal to 0.0 (pd.factorize)


def parse_count(text):
    value = parse_double(text)
    if value is None or value != math.floor(value) or not abs(value) < MAX_COUNT:
        return None
    return value


class Codes:
    """A dictionary of the distinct strings of a column: one int32 code per string, in order of
    first appearance. Typed string columns are kept as codes (one shared dictionary for
    location_id, so that codes compare across datasets)."""

    def __init__(self):
        self.index = {}
        self.values = []

    def code(self, value):
        if value is None:
            return -1
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.values)
            self.values.append(value)
        return code


def typed_column(codes, uniques, ctype, dictionary):
    """One raw column of a block, as codes into its distinct raw strings (-1: no value), to
    (present is null, typed value): codes into `dictionary` for string types, floats (NaN: null)
    for dates (epoch days) and numbers.

    Each distinct raw string is cleaned and parsed once, in plain Python that mirrors the Spark
    expressions exactly; the results are spread back to the rows by code.
    """
    u_present = [present(u) for u in uniques]
    u_missing = np.array([p is None for p in u_present] + [True], dtype=bool)
    missing = u_missing[codes]  # code -1 picks the sentinel at the end
    if ctype in (ID, TEXT, CATEGORY):
        convert = {ID: str.upper, TEXT: str, CATEGORY: str.lower}[ctype]
        u_typed = np.array([-1 if p is None else dictionary.code(convert(p)) for p in u_present] + [-1],
                           dtype=np.int32)
        return missing, u_typed[codes]
    parse = {DATE: parse_date, DECIMAL: parse_double, COUNT: parse_count}[ctype]
    u_typed = np.array([np.nan if p is None else (lambda v: np.nan if v is None else v)(parse(p))
                        for p in u_present] + [np.nan], dtype=np.float64)
    return missing, u_typed[codes]


# --- headers (RawHeader.java) -----------------------------------------------------------------

JAVA_WHITESPACE = "".join(c for c in map(chr, range(0x3000 + 1))
                          if c.isspace() and c not in "\u00a0\u2007\u202f\u0085")
JAVA_REGEX_SPACE_OR_HYPHEN = re.compile(r"[ \t\n\x0b\f\r-]+")
MAX_HEADER_CHARS = 1 << 20


def split_csv_line(line):
    """RawHeader.splitCsvLine: commas separate fields, double quotes quote them, "" is a quote."""
    fields, field, quoted, i, n = [], [], False, 0, len(line)
    while i < n:
        c = line[i]
        if quoted:
            if c == '"' and i + 1 < n and line[i + 1] == '"':
                field.append('"')
                i += 1
            elif c == '"':
                quoted = False
            else:
                field.append(c)
        elif c == '"':
            quoted = True
        elif c == ",":
            fields.append("".join(field))
            field = []
        else:
            field.append(c)
        i += 1
    fields.append("".join(field))
    return fields


def normalise(name):
    trimmed = name.strip(JAVA_WHITESPACE)
    if trimmed.startswith("\ufeff"):
        trimmed = trimmed[1:].strip(JAVA_WHITESPACE)
    return JAVA_REGEX_SPACE_OR_HYPHEN.sub("_", trimmed.lower())


class Header:
    def __init__(self, path, uri, names, line):
        self.path, self.uri, self.names, self.line = path, uri, names, line
        self.positions = {}
        for i, name in enumerate(names):
            self.positions.setdefault(name, i)


def read_header(path, uri, dataset):
    with open(path, "rb") as f:
        head = f.read(4 * MAX_HEADER_CHARS + 8)
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    raw = head[:min(ends)] if ends else head
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{uri}: the header is not valid UTF-8")
    if "\0" in line:
        raise UsageError(f"{uri}: not a text CSV file (binary content in the header)")
    if len(line) > MAX_HEADER_CHARS:
        raise UsageError(f"{uri}: the header line is longer than 1 MiB")
    if not line or not line.replace("\ufeff", "").strip(JAVA_WHITESPACE):
        raise UsageError(f"{uri}: the file is empty or has no header row")
    names = [normalise(field) for field in split_csv_line(line)]
    seen = set()
    for name in names:
        if name and name in seen:
            raise UsageError(f"{uri}: column '{name}' appears twice in the header; rename or remove one")
        seen.add(name)
    for required in dataset.required:
        if required not in seen:
            raise UsageError(f"{uri}: required column '{required}' is missing from the header "
                             f"(found: {', '.join(names)})")
    return Header(path, uri, names, line)


def discover(raw_root):
    """ProcessJob.discover: every dataset's files and checked headers, before anything is written."""
    folder = os.path.join(raw_root, "raw")
    entries = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    root_uri = "file:" + os.path.abspath(raw_root)
    found = {}
    for dataset in DATASETS:
        headers = []
        for entry in entries:
            path = os.path.join(folder, entry)
            if entry.startswith(dataset.prefix) and entry.lower().endswith(".csv") and os.path.isfile(path):
                headers.append(read_header(path, f"{root_uri}/raw/{entry}", dataset))
        if not headers:
            raise UsageError(f"no {dataset.name} data: no raw/{dataset.prefix}*.csv in {root_uri} "
                             "(run 'generate', or copy the raw files there)")
        found[dataset.name] = headers
    return found


# --- raw rows (RawReader.java) ----------------------------------------------------------------

QUOTED_SECTION = re.compile(r'"(?:[^"]|"")*"')


# what invalid UTF-8 bytes decode to with errors="surrogateescape": one lone surrogate per byte
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def line_blocks(path):
    """The file's lines in blocks of about BLOCK_BYTES: (number of the first line, lines, whether
    any of them holds a double quote, the indexes in the block of the lines that are not valid
    UTF-8).

    Lines end at \\n, \\r\\n or \\r (Hadoop's line reader); a UTF-8 byte-order mark at the start of
    the file is dropped (as Hadoop does). A line that is not valid UTF-8 (Spark's is_valid_utf8,
    Python's strict decoder: surrogates and overlong forms are not valid either) has each bad byte
    as U+FFFD. Numbering is stable between calls (the quarantine re-reads lines by number).
    """
    number = 0
    first = True
    with open(path, "rb") as f:
        rest = b""
        while True:
            chunk = f.read(BLOCK_BYTES)
            if chunk:
                data = rest + chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    cut = data.rfind(b"\r")
                if cut < 0:
                    rest = data
                    continue
                rest, data = data[cut + 1:], data[:cut + 1]
            else:
                if not rest:
                    return
                data, rest = rest, b""
            text = data.decode("utf-8", errors="surrogateescape")
            if first and text.startswith("\ufeff"):
                text = text[1:]
            first = False
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            invalid, line, at = [], 0, 0
            for match in ESCAPED_BYTE.finditer(text):
                line += text.count("\n", at, match.start())
                at = match.start()
                if not invalid or invalid[-1] != line:
                    invalid.append(line)
            lines = text.split("\n")
            if data.endswith((b"\n", b"\r")):
                lines.pop()  # the empty remainder after the last line end
            for i in invalid:
                lines[i] = ESCAPED_BYTE.sub("\ufffd", lines[i])
            yield number, lines, '"' in text, np.array(invalid, dtype=np.int64)
            number += len(lines)
            if not chunk:
                return


def data_fields(line):
    """The fields of a data line as Spark's from_csv reads them (univocity, Spark's defaults: quote
    '"', escape '\\', unescaped quotes handled by STOP_AT_DELIMITER). A field is quoted only when
    it starts with a quote; inside, \\" and \\\\ are escapes; a closing quote must be followed by
    (spaces and) a comma or the end of the line, else the field is taken as written up to the next
    comma; an unclosed quote runs to the end of the line. Pathological quoting can still differ
    from univocity in the field's text (not in the field count, which RawReader takes from a
    regular expression, as here)."""
    if '"' not in line:
        return line.split(",")
    fields, i, n = [], 0, len(line)
    while True:
        if i < n and line[i] == '"':
            j, chars, end = i + 1, [], None
            value = None
            while j < n:
                c = line[j]
                if c == "\\" and j + 1 < n and line[j + 1] in '"\\':
                    chars.append(line[j + 1])
                    j += 2
                    continue
                if c == '"':
                    k = j + 1
                    while k < n and line[k] == " ":
                        k += 1
                    if k >= n or line[k] == ",":
                        end = k
                    else:  # an unescaped quote: the field as written, up to the next comma
                        end = line.find(",", j + 1)
                        end = n if end < 0 else end
                        value = line[i:end]
                    break
                chars.append(c)
                j += 1
            fields.append("".join(chars) if value is None else value)
            if end is None or end >= n:
                return fields
            i = end + 1
        else:
            end = line.find(",", i)
            if end < 0:
                fields.append(line[i:])
                return fields
            fields.append(line[i:end])
            i = end + 1


def fit(fields, n):
    """from_csv in PERMISSIVE mode: a short row is padded with nulls, a long one cut."""
    return fields[:n] if len(fields) >= n else fields + [None] * (n - len(fields))


# how a line is broken beyond its field count: not valid UTF-8 (first), a quote not closed on it
NOT_UTF8, OPEN_QUOTE = 1, 2


class RawBlock:
    """Rows of one block of lines, column by column: codes into the column's distinct raw strings
    (-1: the row has no such field), with each row's line number and field count."""

    def __init__(self, numbers, counts, columns, broken=None):
        self.numbers = numbers
        self.counts = counts
        self.columns = columns  # per header position: (codes, uniques)
        self.size = len(numbers)
        # per row: NOT_UTF8, OPEN_QUOTE or 0 (RawReader's _not_utf8 and _open_quote flags)
        self.broken = np.zeros(self.size, dtype=np.int8) if broken is None else broken

    def strings(self, position, rows):
        """The raw text of one column for some rows (None: no such field or an empty one, as
        Spark's CSV reader has them)."""
        if position is None:
            return np.full(len(rows), None, dtype=object)
        codes, uniques = self.columns[position]
        values = np.empty(len(uniques) + 1, dtype=object)
        values[:-1] = uniques
        values[-1] = None
        out = values[codes[rows]]
        out[out == ""] = None
        return out


# a line whose every field is either plain (no quote) or entirely quoted with no quote or backslash
# inside: pandas' C reader splits it exactly as Spark's CSV parser does
REGULAR_QUOTING = re.compile(r'(?:"[^"\\]*"|[^",]*)(?:,(?:"[^"\\]*"|[^",]*))*')


def read_csv_block(lines, n, quoted):
    """Lines (all with n fields) through pandas' C reader, as categoricals: per column (codes,
    distinct strings). Each distinct string becomes one Python object."""
    frame = pd.read_csv(io.StringIO("\n".join(lines)), header=None, names=list(range(n)), dtype="category",
                        na_filter=False, quoting=0 if quoted else 3, skip_blank_lines=False, engine="c")
    if len(frame) != len(lines):
        raise RuntimeError(f"pandas read {len(frame)} rows from {len(lines)} lines")
    columns = []
    for i in range(n):
        values = frame[i].array
        columns.append((np.asarray(values.codes, dtype=np.int32), np.asarray(values.categories, dtype=object)))
    return columns


def raw_block(lines, first_number, header, any_quote=True, invalid=()):
    """RawReader on one block of lines. A line's field count is its commas outside quoted sections
    plus one; the header line (again) and blank lines (spaces only) are not rows. A line that is
    not valid UTF-8 (`invalid`: indexes in the block) or has an odd number of double quotes is
    flagged (`RawBlock.broken`). Lines with the right count and plain or regular quoting, the bulk,
    go through pandas' C reader; the others are split here as Spark's CSV parser splits them."""
    n = len(header.names)
    lines_array = np.array(lines, dtype=object)
    counts = np.array(list(map(str.count, lines, repeat(",", len(lines)))), dtype=np.int64) + 1
    skip = (lines_array == header.line)
    if header.line.startswith("\ufeff"):
        skip |= lines_array == header.line[1:]
    if any_quote:
        quoted = np.array(list(map(str.__contains__, lines, repeat('"', len(lines)))), dtype=bool)
    else:
        quoted = np.zeros(len(lines), dtype=bool)
    broken = np.zeros(len(lines), dtype=np.int8)
    broken[np.asarray(invalid, dtype=np.int64)] = NOT_UTF8
    fast = (counts == n) & ~quoted & ~skip & (broken == 0)
    other = np.flatnonzero(~fast & ~skip)
    parts = []  # (line indexes, counts, columns)
    if fast.any():
        index = np.flatnonzero(fast)
        parts.append((index, counts[index], read_csv_block(list(compress(lines, fast)), n, False)))
    regular, irregular, irregular_counts = [], [], []
    for i in other:
        line = lines[i]
        if quoted[i]:
            count = QUOTED_SECTION.sub("", line).count(",") + 1
            if line.count('"') % 2 == 1:
                broken[i] = broken[i] or OPEN_QUOTE
            elif count == n and not broken[i] and REGULAR_QUOTING.fullmatch(line):
                regular.append(i)
                continue
        elif not line.strip(" "):
            continue  # a blank line
        else:
            count = counts[i]
        irregular.append(i)
        irregular_counts.append(count)
    if regular:
        parts.append((np.array(regular, dtype=np.int64), np.full(len(regular), n, dtype=np.int64),
                      read_csv_block([lines[i] for i in regular], n, True)))
    if irregular:
        rows = [fit(data_fields(lines[i]), n) for i in irregular]
        parts.append((np.array(irregular, dtype=np.int64), np.array(irregular_counts, dtype=np.int64),
                      factorized(rows, n)))
    if not parts:
        return None
    indexes = np.concatenate([p[0] for p in parts])
    numbers = indexes + first_number
    row_counts = np.concatenate([p[1] for p in parts])
    columns = parts[0][2]
    for _, _, more in parts[1:]:
        columns = [(np.concatenate([codes, np.where(codes2 >= 0, codes2 + len(uniques), -1).astype(np.int32)]),
                    np.concatenate([uniques, uniques2])) for (codes, uniques), (codes2, uniques2) in zip(columns, more)]
    return RawBlock(numbers, row_counts, columns, broken[indexes])


def factorized(rows, n):
    """Rows of fields as per column (codes, distinct strings); None (no field) is code -1."""
    columns = []
    for i in range(n):
        codes, uniques = pd.factorize(np.array([row[i] for row in rows], dtype=object))
        columns.append((codes.astype(np.int32), np.asarray(uniques, dtype=object)))
    return columns


def block_from_rows(rows, n, numbers, counts):
    """A RawBlock from rows of fields (lists), each cut or padded to n fields."""
    return RawBlock(np.asarray(numbers, dtype=np.int64), np.asarray(counts, dtype=np.int64), factorized(rows, n))


# --- validation (Validation.java, RangeRules.java) --------------------------------------------

def range_rules(dataset):
    """(columns named in the detail, violated(values) -> bool array, why), in RangeRules order."""
    def outside(col, lo, hi):
        return ((col,), lambda v: (v[col] < lo) | (v[col] > hi), f" is outside {lo}..{hi}")

    def negative(col):
        return ((col,), lambda v: v[col] < 0, " is negative")

    def above(a, b, why):
        return ((a, b), lambda v: v[a] > v[b], why)

    if dataset is LOCATIONS:
        return [outside("latitude", -90, 90), outside("longitude", -180, 180),
                (("population",), lambda v: v["population"] <= 0, " must be greater than 0")]
    if dataset is CLIMATE:
        return [outside("humidity_pct", 0, 100), negative("rainfall_mm"),
                outside("temperature_max_c", -60, 60), outside("temperature_min_c", -60, 60),
                above("temperature_min_c", "temperature_max_c", " is above ")]
    if dataset is HEALTH:
        return [negative("cases"), negative("deaths"), negative("hospitalizations"),
                above("deaths", "cases", " is more than ")]
    return [negative("total_beds"), negative("icu_beds"), negative("occupied_beds"),
            above("occupied_beds", "total_beds", " is more than ")]


def texts(values):
    """Strings for a detail: Spark's concat gives null when a part is null; '' stands in here."""
    return np.array(["" if v is None else v for v in values], dtype=object)


def check_rows(block, header, dataset, dictionaries, known):
    """Validation.checkRows (+ checkLocations when `known` is given): each row's reason code
    (0: none, else index in REASONS + 1) and detail, and the typed values."""
    n_rows = block.size
    absent = (np.full(n_rows, -1, dtype=np.int32), np.empty(0, dtype=object))
    missing, typed = {}, {}
    for name in dataset.names:
        position = header.positions.get(name)
        codes, uniques = block.columns[position] if position is not None else absent
        missing[name], typed[name] = typed_column(codes, uniques, dataset.types[name], dictionaries.get(name))

    reason = np.zeros(n_rows, dtype=np.int8)
    detail = np.full(n_rows, None, dtype=object)

    def raw(name, mask):
        return texts(block.strings(header.positions.get(name), np.flatnonzero(mask)))

    def hit(mask, code, make_detail):
        mask = mask & (reason == 0)
        if mask.any():
            reason[mask] = code
            detail[mask] = make_detail(mask)

    n = len(header.names)
    hit(block.broken == NOT_UTF8, R["MALFORMED_ROW"],
        lambda m: "the line is not valid UTF-8 (another encoding, or binary content)")
    hit(block.broken == OPEN_QUOTE, R["MALFORMED_ROW"],
        lambda m: "a quoted field is not closed on this line (a line break inside a quoted field splits the record)")
    hit(block.counts < n, R["MALFORMED_ROW"], lambda m: f"fewer fields than the {n} of the header")
    hit(block.counts > n, R["MALFORMED_ROW"], lambda m: f"more fields than the {n} of the header")
    for name in dataset.required:
        hit(missing[name], R["MISSING_REQUIRED"], lambda m, name=name: f"{name} is missing")
    for code, kinds in ((R["BAD_DATE"], (DATE,)), (R["BAD_NUMBER"], (DECIMAL, COUNT))):
        for name in dataset.names:
            ctype = dataset.types[name]
            if ctype in kinds:
                expected = (" is not a date (yyyy-MM-dd, dd/MM/yyyy, yyyy/MM/dd or dd-MM-yyyy)" if ctype == DATE
                            else " is not a whole number" if ctype == COUNT else " is not a number")
                hit(~missing[name] & np.isnan(typed[name]), code,
                    lambda m, name=name, expected=expected: f"{name} '" + raw(name, m) + "'" + expected)
    with np.errstate(invalid="ignore"):
        for columns, violated, why in range_rules(dataset):
            def describe(m, columns=columns, why=why):
                text = f"{columns[0]}=" + raw(columns[0], m) + why
                return text + f"{columns[1]}=" + raw(columns[1], m) if len(columns) > 1 else text
            hit(violated(typed), R["OUT_OF_RANGE"], describe)
    if known is not None:
        codes = typed["location_id"]
        inside = (codes >= 0) & (codes < len(known))
        unknown = np.ones(n_rows, dtype=bool)
        unknown[inside] = ~known[codes[inside]]
        names = np.array(dictionaries["location_id"].values + [""], dtype=object)
        hit(unknown, R["UNKNOWN_LOCATION"], lambda m: "location_id '" + names[codes[m]] + "' is not a known location")
    return reason, detail, typed


class Quarantine:
    """quarantine/<dataset>.jsonl: every raw field as read (contract columns first, then the file's
    other named columns; absent or empty fields null, as Spark's CSV reader has them),
    _source_file, _reason, _detail."""

    def __init__(self, out_dir, dataset):
        folder = os.path.join(out_dir, "quarantine")
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, f"{dataset.name}.jsonl")
        self.dataset = dataset
        self.file = open(self.path, "w", encoding="utf-8")

    def write(self, block, header, rows, reasons, details):
        if len(rows) == 0:
            return
        out = {name: block.strings(header.positions.get(name), rows) for name in self.dataset.names}
        for i, name in enumerate(header.names):
            if name and name not in self.dataset.types and header.positions[name] == i:
                out[name] = block.strings(i, rows)
        table = pd.DataFrame(out)
        table["_source_file"] = header.uri
        table["_reason"] = np.array(REASONS, dtype=object)[np.asarray(reasons, dtype=np.int64) - 1]
        table["_detail"] = details
        text = table.to_json(orient="records", lines=True, force_ascii=False)
        self.file.write(text if text.endswith("\n") else text + "\n")

    def close(self):
        self.file.close()


def combined_key(arrays):
    """One int64 per row for a composite key of non-negative-ish integer columns, equal exactly when
    the keys are equal (mixed radix), or group numbers when the ranges are too wide for that."""
    key = np.zeros(len(arrays[0]), dtype=np.int64)
    width = 1
    for a in arrays:
        lo = int(a.min()) if len(a) else 0
        span = (int(a.max()) - lo + 1) if len(a) else 1
        width *= span
        if width >= 2 ** 62:
            return pd.DataFrame({i: x for i, x in enumerate(arrays)}).groupby(
                list(range(len(arrays))), sort=False).ngroup().to_numpy(dtype=np.int64)
        key *= span  # in place: no temporaries of the table's length
        key += a
        key -= lo
    return key


def classify(dataset, headers, dictionaries, known, quarantine):
    """Reads, checks and resolves one dataset (ProcessJob.classify): (cleaned columns, accounting,
    reason counts)."""
    rows_read = 0
    reasons = np.zeros(len(REASONS) + 1, dtype=np.int64)
    kept = []
    for file_index, header in enumerate(headers):
        for first_number, lines, any_quote, invalid in line_blocks(header.path):
            block = raw_block(lines, first_number, header, any_quote, invalid)
            del lines
            if block is None:
                continue
            reason, detail, typed = check_rows(block, header, dataset, dictionaries, known)
            rows_read += block.size
            reasons += np.bincount(reason, minlength=len(REASONS) + 1)
            bad = np.flatnonzero(reason)
            quarantine.write(block, header, bad, reason[bad], detail[bad])
            good = reason == 0
            part = {}
            for name in dataset.names:
                values = typed[name][good]
                part[name] = values.astype(np.int32) if dataset.types[name] == DATE else values
            part["_file"] = np.full(int(good.sum()), file_index, dtype=np.int32)
            part["_line"] = block.numbers[good]
            kept.append(part)
            del block, typed
        log(f"read {dataset.name}: {header.uri} ({rows_read:,} rows so far)")
    table = {}
    for name in dataset.names + ["_file", "_line"]:
        if kept:
            table[name] = np.concatenate([part.pop(name) for part in kept])
        else:
            table[name] = np.empty(0, dtype=np.float64 if dataset.types.get(name) in (DECIMAL, COUNT) else np.int32)
    del kept
    log(f"{dataset.name}: {len(table['_line']):,} rows pass the row checks; resolving duplicates")

    # Validation.resolveDuplicates: identical rows (after parsing) collapse to one; rows sharing a
    # key but differing in any value are all DUPLICATE_KEY_CONFLICT. Nulls equal nulls, -0.0 equals
    # 0.0. Only rows whose key occurs more than once need the full comparison.
    size = len(table["_line"])
    valid = np.ones(size, dtype=bool)
    collapsed = conflicts = 0
    if size:
        key = combined_key([table[k] for k in dataset.key])
        shared = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
        log(f"{dataset.name}: {len(shared):,} rows share a key")
        if len(shared):
            sub = pd.DataFrame({name: table[name][shared] for name in dataset.names})
            first = ~sub.duplicated(keep="first").to_numpy()
            group = pd.factorize(key[shared])[0]
            distinct = np.bincount(group[first], minlength=group.max() + 1)
            conflict = distinct[group] > 1
            valid[shared] = first & ~conflict
            collapsed = int((~first & ~conflict).sum())
            conflicts = int(conflict.sum())
            if conflicts:
                write_conflicts(table["_file"][shared[conflict]], table["_line"][shared[conflict]], headers, quarantine)
        del key
    reasons[R["DUPLICATE_KEY_CONFLICT"]] += conflicts
    cleaned = {name: table.pop(name)[valid] for name in dataset.names}
    del table
    quarantined = int(reasons[1:].sum())
    rows_valid = int(valid.sum())
    accounting = {"rows_read": rows_read, "rows_valid": rows_valid, "rows_quarantined": quarantined,
                  "duplicates_collapsed": collapsed}
    if rows_read != rows_valid + quarantined + collapsed:
        raise RuntimeError(f"{dataset.name}: the row accounting does not add up: {accounting}")
    counts = {REASONS[i - 1]: int(reasons[i]) for i in range(1, len(REASONS) + 1) if reasons[i]}
    log(f"validated {dataset.name}: {rows_read:,} rows read, {rows_valid:,} valid, {quarantined:,} quarantined "
        f"{counts}, {collapsed:,} collapsed")
    return cleaned, accounting, counts


def write_conflicts(files, numbers, headers, quarantine):
    """The raw fields of the DUPLICATE_KEY_CONFLICT rows, read again by line number (raw text is
    not kept in memory for the rows that pass the row checks)."""
    for file_index in np.unique(files):
        header = headers[file_index]
        wanted = np.sort(numbers[files == file_index])
        rows, found = [], []
        for first_number, lines, _, _ in line_blocks(header.path):
            lo, hi = np.searchsorted(wanted, [first_number, first_number + len(lines)])
            for number in wanted[lo:hi]:
                rows.append(fit(data_fields(lines[number - first_number]), len(header.names)))
                found.append(number)
        block = block_from_rows(rows, len(header.names), found, [len(header.names)] * len(rows))
        quarantine.write(block, header, np.arange(block.size), np.full(block.size, R["DUPLICATE_KEY_CONFLICT"]),
                         "rows with this key differ")


# --- daily_location (DailyLocationTable.java) -------------------------------------------------

DAY_BIAS = 2 ** 31  # epoch days + bias fit in 32 bits (|days| <= MAX_EPOCH_DAYS)


def location_day(locations, days):
    """(location code, epoch day) as one sortable int64: location major, day minor."""
    return (locations.astype(np.int64) << 32) | (days.astype(np.int64) + DAY_BIAS)


def rolling(days, groups, values):
    """Sum and count of the non-null values over the ROLLING_DAYS calendar days ending on each row,
    per group; rows sorted by (group, day), one row per (group, day): a window over calendar days,
    not rows, so gaps are never bridged. Added oldest first from 0.0, as Spark's sliding window
    frame and Sum do, so results agree to the last bit."""
    n = len(days)
    total = np.full(n, np.nan)
    count = np.zeros(n, dtype=np.int64)
    index = np.arange(n)
    for k in range(ROLLING_DAYS - 1, -1, -1):
        prev = index - k
        ok = prev >= 0
        prev = np.where(ok, prev, 0)
        ok &= (groups[prev] == groups) & (days - days[prev] <= ROLLING_DAYS - 1)
        v = np.where(ok, values[prev], np.nan)
        has = ~np.isnan(v)
        total = np.where(has, np.where(np.isnan(total), 0.0 + v, total + v), total)
        count += has
    return total, count


def spread(positions, values, size, fill=np.nan):
    out = np.full(size, fill, dtype=np.float64)
    out[positions] = values
    return out


def build_daily(locations, climate, health, hospital, diseases, dictionaries):
    """DailyLocationTable.build on the cleaned columns: {column: array} in output order. String
    columns are codes into their dictionaries; date is epoch days."""
    # spine: every (location, date) in climate or health, for known locations, sorted
    climate_keys = location_day(climate["location_id"], climate["date"])
    health_keys = location_day(health["location_id"], health["date"])
    spine = np.unique(np.concatenate([climate_keys, health_keys]))
    spine_location = (spine >> 32).astype(np.int32)
    location_row = np.full(len(dictionaries["location_id"].values) + 1, -1, dtype=np.int64)
    location_row[locations["location_id"]] = np.arange(len(locations["location_id"]))
    spine = spine[location_row[spine_location] >= 0]  # inner join with the locations
    spine_location = (spine >> 32).astype(np.int32)
    days = ((spine & 0xFFFFFFFF) - DAY_BIAS).astype(np.int64)
    size = len(spine)
    out = {"location_id": spine_location, "date": days}
    rows = location_row[spine_location]
    for name in LOCATIONS.names[1:]:
        out[name] = locations[name][rows]

    # the day's climate values (climate keys are unique) and the mean temperature
    at = np.searchsorted(spine, climate_keys)
    for name in CLIMATE.names[2:]:
        out[name] = spread(at, climate[name], size)
    out["temperature_mean_c"] = (out["temperature_max_c"] + out["temperature_min_c"]) / 2.0
    rain, _ = rolling(days, spine_location, out["rainfall_mm"])
    tsum, tcount = rolling(days, spine_location, out["temperature_max_c"])
    out["rainfall_7d_mm"] = rain
    with np.errstate(invalid="ignore", divide="ignore"):
        out["temperature_max_7d_mean_c"] = np.where(tcount > 0, tsum / np.maximum(tcount, 1), np.nan)

    # health totals over all diseases, one cases_<disease> per configured disease
    group, keys = pd.factorize(health_keys)
    groups = len(keys)
    at = np.searchsorted(spine, keys)
    out["cases_total"] = spread(at, np.bincount(group, weights=health["cases"], minlength=groups), size)
    for source, name in (("deaths", "deaths_total"), ("hospitalizations", "hospitalizations_total")):
        values = health[source]
        present_values = ~np.isnan(values)
        sums = np.bincount(group, weights=np.where(present_values, values, 0.0), minlength=groups)
        counts = np.bincount(group, weights=present_values, minlength=groups)
        out[name] = spread(at, np.where(counts > 0, sums, np.nan), size)
    disease_codes = dictionaries["disease"].index
    for disease in diseases:
        code = disease_codes.get(disease)
        if code is None:
            sums = np.zeros(groups)
        else:
            mask = health["disease"] == code
            sums = np.bincount(group[mask], weights=health["cases"][mask], minlength=groups)
        out["cases_" + disease] = spread(at, sums, size)
    del group

    out.update(capacity_as_of(spine, spine_location, hospital))

    population = out["population"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cases_per_100k"] = np.where(population > 0, out["cases_total"] * 100000.0 / population, np.nan)
        out["bed_occupancy_rate"] = np.where(out["total_beds"] > 0, out["occupied_beds"] / out["total_beds"], np.nan)
        out["beds_per_100k"] = np.where(population > 0, out["total_beds"] * 100000.0 / population, np.nan)
    return {name: out[name] for name in columns(diseases) if name != "month"}


def capacity_as_of(spine, spine_location, hospital):
    """Each hospital's latest report on or before the date, summed over the location: reports as
    validity intervals [report_date, the hospital's next report_date), swept per location."""
    if not len(hospital["hospital_id"]):
        return {name: np.full(len(spine), np.nan) for name in ("total_beds", "icu_beds", "occupied_beds")}
    order = np.lexsort((hospital["report_date"], hospital["hospital_id"]))
    ids = hospital["hospital_id"][order]
    start = hospital["report_date"][order].astype(np.int64)
    location = hospital["location_id"][order]
    has_next = np.zeros(len(order), dtype=bool)
    has_next[:-1] = ids[1:] == ids[:-1]
    until = np.zeros(len(order), dtype=np.int64)
    until[:-1] = start[1:]

    def events(rows, day, sign):
        frame = {"key": location_day(location[rows], day[rows]), "reports": np.full(len(rows), sign, dtype=np.int64)}
        for name in ("total_beds", "icu_beds", "occupied_beds"):
            values = hospital[name][order][rows]
            present_values = ~np.isnan(values)
            frame[name] = np.where(present_values, values, 0).astype(np.int64) * sign
            frame[name + "_n"] = present_values.astype(np.int64) * sign
        return pd.DataFrame(frame)

    changes = pd.concat([events(np.arange(len(order)), start, 1), events(np.flatnonzero(has_next), until, -1)],
                        ignore_index=True).groupby("key", sort=True).sum()
    keys = changes.index.to_numpy(dtype=np.int64)
    state = changes.groupby(keys >> 32).cumsum()
    at = np.searchsorted(keys, spine, side="right") - 1
    found = at >= 0
    found[found] = (keys[at[found]] >> 32) == spine_location[found]
    at = np.where(found, at, 0)
    reports = found & (state["reports"].to_numpy()[at] > 0)
    out = {}
    for name in ("total_beds", "icu_beds", "occupied_beds"):
        ok = reports & (state[name + "_n"].to_numpy()[at] > 0)
        out[name] = np.where(ok, state[name].to_numpy()[at].astype(np.float64), np.nan)
    return out


def columns(diseases):
    return LEADING + ["cases_" + d for d in diseases] + TRAILING + ["month"]


INTEGER_DAILY = {"population", "cases_total", "deaths_total", "hospitalizations_total", "total_beds", "icu_beds",
                 "occupied_beds"}
STRING_DAILY = {"location_id": "location_id", "location_name": "location_name", "state_code": "state_code",
                "district": "district"}


def day_texts(days):
    """(codes, yyyy-MM-dd of each distinct day) for an array of epoch days."""
    codes, uniques = pd.factorize(days)
    return codes, [civil(int(u)) for u in uniques]


# --- outputs ----------------------------------------------------------------------------------

def csv_field(value):
    """A string as a CSV field: quoted when it holds a comma, quote or line break."""
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(path, table, types, dictionaries, extra=None, rows_per_chunk=200_000):
    """Writes a cleaned or daily table (columns of codes, epoch days and floats) as CSV: strings
    from their dictionaries, dates as yyyy-MM-dd, whole numbers without a fraction, decimals in
    Python's shortest round-trip form, nulls empty. Chunked, so memory stays bounded; each
    distinct string is formatted once. (pandas' to_csv does the same, three times slower.)"""
    names = list(table)
    size = len(table[names[0]]) if names else 0
    columns = []
    for name in names:
        kind, values = types[name], table[name]
        if kind in (ID, TEXT, CATEGORY):
            texts_ = [csv_field(v) for v in dictionaries[name].values]
            columns.append(("codes", values, np.array(texts_ + [""], dtype=object)))
        elif kind == DATE:
            codes, texts_ = day_texts(values)
            columns.append(("codes", codes, np.array(texts_ + [""], dtype=object)))
        else:
            columns.append((kind, values, None))
    if extra is not None:  # (name, codes, texts)
        names.append(extra[0])
        columns.append(("codes", extra[1], np.array([csv_field(v) for v in extra[2]] + [""], dtype=object)))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(csv_field(n) for n in names) + "\n")
        for lo in range(0, size, rows_per_chunk):
            hi = min(size, lo + rows_per_chunk)
            parts = []
            for kind, values, texts_ in columns:
                if kind == "codes":
                    parts.append(texts_[values[lo:hi]])
                    continue
                chunk = values[lo:hi]
                null = np.isnan(chunk)
                if kind == COUNT:
                    text = np.array(list(map(str, np.where(null, 0, chunk).astype(np.int64).tolist())), dtype=object)
                else:
                    text = np.array(list(map(repr, chunk.tolist())), dtype=object)
                text[null] = ""
                parts.append(text)
            f.write("\n".join(map(",".join, zip(*parts))))
            f.write("\n")


def daily_types(diseases):
    types = {name: DECIMAL for name in columns(diseases)}
    types.update({name: ID for name in STRING_DAILY})
    types.update({name: COUNT for name in INTEGER_DAILY | {"cases_" + d for d in diseases}})
    types["date"] = DATE
    return types


def with_month(daily):
    codes, texts_ = day_texts(daily["date"])
    months = [t[:-3] for t in texts_]  # yyyy-MM (a year beyond four digits keeps its sign)
    return codes, texts_, months


def summarise(daily, diseases, dictionaries, quarantine, datasets):
    types = daily_types(diseases)
    size = len(daily["date"])
    summary_columns = {}
    date_codes, date_texts, months = with_month(daily)

    def checksum(codes, values):
        counts = np.bincount(codes[codes >= 0], minlength=len(values))
        total = sum(int(c) * zlib.crc32(v.encode("utf-8")) for v, c in zip(values, counts) if c)
        return int((codes >= 0).sum()), total % (2 ** 63)

    for name in columns(diseases):
        if name == "month":
            month_codes, month_values = pd.factorize(np.array(months, dtype=object)[date_codes])
            non_null, total = checksum(month_codes, list(month_values))
            summary_columns[name] = {"non_null": non_null, "sum": None, "checksum": total}
        elif name == "date":
            non_null, total = checksum(date_codes, date_texts)
            summary_columns[name] = {"non_null": non_null, "sum": None, "checksum": total}
        elif types[name] == ID:
            non_null, total = checksum(daily[name], dictionaries[name].values)
            summary_columns[name] = {"non_null": non_null, "sum": None, "checksum": total}
        else:
            values = daily[name]
            values = values[~np.isnan(values)]
            if not len(values):
                total = None
            elif types[name] == COUNT:
                total = float(int(values.astype(np.int64).sum()))
            else:
                total = math.fsum(values)
            summary_columns[name] = {"non_null": int(len(values)), "sum": total, "checksum": None}
    return {"implementation": IMPLEMENTATION,
            "daily_location": {"rows": size, "columns": summary_columns},
            "quarantine": quarantine,
            "datasets": datasets}


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(args):
    diseases = [d.strip() for d in args.diseases.split(",")] if args.diseases.strip() else []
    if any(not d for d in diseases):
        raise UsageError(f"a configured disease name is empty: {diseases}")
    if len(set(diseases)) != len(diseases):
        raise UsageError(f"a disease is configured twice: {diseases}")

    headers = discover(args.raw)
    sizes = sum(os.path.getsize(h.path) for hs in headers.values() for h in hs)
    log(f"stage discover: {sum(len(h) for h in headers.values())} files, {sizes / 2**20:,.1f} MiB")
    os.makedirs(args.out, exist_ok=True)

    location_ids = Codes()  # shared: location codes compare across datasets
    dictionaries = {}
    cleaned, accounting, reasons = {}, {}, {}
    known = None
    for dataset in DATASETS:
        dictionaries[dataset.name] = {name: location_ids if name == "location_id" else Codes()
                                      for name in dataset.names if dataset.types[name] in (ID, TEXT, CATEGORY)}
        quarantine = Quarantine(args.out, dataset)
        try:
            cleaned[dataset.name], accounting[dataset.name], reasons[dataset.name] = classify(
                dataset, headers[dataset.name], dictionaries[dataset.name], known, quarantine)
        finally:
            quarantine.close()
        if dataset is LOCATIONS:
            known = np.zeros(len(location_ids.values), dtype=bool)
            known[cleaned["locations"]["location_id"]] = True
        log(f"stage read_validate {dataset.name} done (peak RSS {peak_rss_mib():,.0f} MiB)")

    for dataset in DATASETS:
        write_csv(os.path.join(args.out, f"{dataset.name}.csv"), cleaned[dataset.name], dataset.types,
                  dictionaries[dataset.name])
        log(f"wrote {dataset.name}.csv")
    log(f"stage write_tables done (peak RSS {peak_rss_mib():,.0f} MiB)")

    daily_dictionaries = {"location_id": location_ids, "location_name": dictionaries["locations"]["location_name"],
                          "state_code": dictionaries["locations"]["state_code"],
                          "district": dictionaries["locations"]["district"], "disease": dictionaries["health"]["disease"]}
    daily = build_daily(cleaned["locations"], cleaned["climate"], cleaned["health"], cleaned["hospital"], diseases,
                        daily_dictionaries)
    del cleaned
    size = len(daily["date"])
    log(f"stage daily_location built: {size:,} rows (peak RSS {peak_rss_mib():,.0f} MiB)")

    summary = summarise(daily, diseases, daily_dictionaries, reasons, accounting)
    date_codes, _, months = with_month(daily)
    month_codes, month_values = pd.factorize(np.array(months, dtype=object)[date_codes])
    write_csv(os.path.join(args.out, "daily_location.csv"), daily, daily_types(diseases), daily_dictionaries,
              extra=("month", month_codes, list(month_values)))
    log("stage daily_location written")

    folder = os.path.dirname(os.path.abspath(args.summary))
    os.makedirs(folder, exist_ok=True)
    with open(args.summary, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    log(f"done: daily_location {size:,} rows; summary {args.summary}; peak RSS {peak_rss_mib():,.0f} MiB")


def main(argv=None):
    parser = argparse.ArgumentParser(description="process in pandas (benchmark peer of the Spark job)")
    parser.add_argument("--raw", required=True, help="raw store root (holds raw/*.csv)")
    parser.add_argument("--out", required=True, help="output folder (CSV tables, quarantine/*.jsonl)")
    parser.add_argument("--diseases", required=True, help="configured diseases, comma-separated")
    parser.add_argument("--summary", required=True, help="summary JSON file to write")
    args = parser.parse_args(argv)
    try:
        run(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - one clear line first, details after
        print(f"error: process_pandas failed: {type(e).__name__}: {e}", file=sys.stderr)
        import traceback
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
