"""Bad input, as a careless or hostile user gives it, across every command.

Each case runs the real CLI (``geo_outreach.cli.main``) and asserts what a user relies on:

* the exit status (2 bad input, 3 no solution: see ``docs/cli-errors.md``);
* exactly one line on stderr, starting with ``error:``, that names the file or the flag
  at fault (and, where it matters, the row, the column or the fix);
* no traceback;
* nothing left behind: no output file or folder, no temporary file, no new visit log.

The cases are generated from small tables (command x option x bad value, command x kind
of bad output path, input file x kind of damage) so that a new command or option is one
line here. A Ctrl-C test with a real process and SIGINT closes the file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from geo_outreach.cli import main
from tests.conftest import TINY_VISITS_CSV, TINY_WORKERS_CSV

ROOT = Path(__file__).resolve().parents[1]

SVI_HEADER = (
    "FIPS,E_TOTPOP,EP_POV150,EP_UNEMP,EP_HBURD,EP_NOHSDP,EP_UNINSUR,EP_AGE65,EP_AGE17,"
    "EP_DISABL,EP_SNGPNT,EP_LIMENG,EP_MINRTY,EP_MUNIT,EP_MOBILE,EP_CROWD,EP_NOVEH,EP_GROUPQ"
)
SVI_ROWS = [
    "041051000100,1200,10,3,20,5,8,12,20,10,5,2,30,10,1,2,8,1",
    "041051000200,800,20,6,30,9,12,10,25,12,8,4,45,20,2,4,15,2",
    "041051000300,950,15,4,25,7,10,15,22,11,6,3,35,15,1,3,10,1",
]
VISIT_LOG = (
    "worker_id,visited_at,outcome,planned_visit_id,people_reached\n"
    "ana,2024-05-02 10:00,done,S01,5\n"
)


# --------------------------------------------------------------------------- the places
@dataclass
class Env:
    """Where a case runs: ``inp`` holds good inputs (shared), ``out`` is the case's own
    empty folder for outputs, ``bad`` the case's folder for damaged inputs."""

    inp: Path
    out: Path
    bad: Path
    region: Path
    home: Path

    def fmt(self, text: str) -> str:
        return text.format(
            inp=self.inp, out=self.out, bad=self.bad, region=self.region, home=self.home
        )


@dataclass(frozen=True)
class Bad:
    """One kind of bad input: the command line, what to prepare, and what must be said."""

    argv: tuple[str, ...]
    needle: str
    code: int = 2
    setup: Callable[[Env], None] | None = None
    also: tuple[str, ...] = field(default=())  # more words the message must hold
    environ: tuple[tuple[str, str], ...] = ()  # settings for this case

    def command(self, env: Env) -> list[str]:
        return [env.fmt(a) for a in self.argv]


def _write(rel: str, content: str | bytes) -> Callable[[Env], None]:
    def setup(env: Env) -> None:
        p = Path(env.fmt(rel))
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")

    return setup


def _mkdir(rel: str) -> Callable[[Env], None]:
    return lambda env: Path(env.fmt(rel)).mkdir(parents=True, exist_ok=True)


# --------------------------------------------------------------------------- the cases
PLAN = ("plan", "--region", "{region}", "--visits", "{inp}/visits.csv", "--workers",
        "{inp}/workers.csv", "-o", "{out}/plan")  # fmt: skip
SITE = ("site", "--region", "{region}", "--stops", "1", "-o", "{out}/s.gpkg")
ANALYZE = ("analyze", "--region", "{region}", "-o", "{out}/a.gpkg")
MATRIX = ("matrix", "--region", "{region}", "-o", "{out}/m.parquet")
SYNTH = ("synth", "{out}/syn")
MAP = ("export", "map", "--region", "{region}", "--analysis", "{inp}/analysis.gpkg",
       "-o", "{out}/m.png")  # fmt: skip
PACKET = ("export", "packet", "--plan", "{inp}/plan", "--worker", "van", "--day", "Mon",
          "-o", "{out}/pk")  # fmt: skip
DATA = ("export", "data", "--region", "{region}", "--analysis", "{inp}/analysis.gpkg",
        "-o", "{out}/data")  # fmt: skip
NEED = ("need", "{inp}/svi.csv", "-o", "{out}/n.csv")
DB = "sqlite:///{inp}/log/visits.sqlite"

POSITIVE = ("0", "-1", "nan", "inf", "abc", "")
SEEDS = ("-1", str(2**64), "1.5", "abc", "1e3")
COUNTS = ("0", "-2", "1.5", "x")

#: (name, base command, flag, bad values): every value must be refused at parse time.
OPTIONS: list[tuple[str, tuple[str, ...], str, tuple[str, ...]]] = [
    ("plan", PLAN, "--seed", SEEDS),
    ("plan", PLAN, "--days", ("0", "8", "-1", "x", "2.5")),
    ("plan", PLAN, "--time-limit", POSITIVE),
    ("plan", PLAN, "--max-snap-m", POSITIVE),
    ("site", SITE, "--stops", COUNTS),
    ("site", SITE, "--within-min", POSITIVE),
    ("site", SITE, "--equity-floor", ("0", "-1", "150", "x", "nan")),
    ("site", SITE, "--time-limit", POSITIVE),
    ("site", SITE, "--max-snap-m", ("0", "-1", "nan")),
    ("site", SITE, "--model", ("maxcover", "")),
    ("site", SITE, "--mode", ("bike",)),
    ("analyze", ANALYZE, "--within-min", POSITIVE),
    ("analyze", ANALYZE, "--beyond-min", POSITIVE),
    ("analyze", ANALYZE, "--cutoff-min", POSITIVE),
    ("analyze", ANALYZE, "--top-share", ("0", "-0.5", "101", "x")),
    ("analyze", ANALYZE, "--max-snap-m", ("0", "-1", "inf")),
    ("matrix", MATRIX, "--cutoff-min", POSITIVE),
    ("matrix", MATRIX, "--mode", ("bike",)),
    ("matrix", MATRIX, "--from", ("stops",)),
    ("matrix", MATRIX, "--max-snap-m", ("0", "-3")),
    ("synth", SYNTH, "--nodes", ("5", "-1", "x", "1e9", "10000000")),
    ("synth", SYNTH, "--seed", SEEDS),
    ("synth", SYNTH, "--outside-sites", ("-1", "x")),
    ("synth", SYNTH, "--center", ("north", "1,2,3")),
    ("synth", SYNTH, "--country", ("XX", "Sweden", "")),
    (
        "region fetch",
        ("region", "fetch", "Franklin County, Ohio", "-o", "{out}/f"),
        "--timeout",
        ("0", "-1", "x"),
    ),
    ("map", MAP, "--k", ("1", "10", "x")),
    ("map", MAP, "--dpi", ("0", "10", "x")),
    ("map", MAP, "--size", ("bogus",)),
    ("map", MAP, "--scheme", ("bogus",)),
    ("need", NEED, "--method", ("bogus",)),
    ("need", NEED, "--normalization", ("bogus",)),
    ("need", NEED, "--preset", ("bogus",)),
    ("app", ("app",), "--port", ("0", "70000", "x")),
]

CASES: dict[str, Bad] = {}
for name, base, flag, values in OPTIONS:
    for value in values:
        CASES[f"{name} {flag} {value!r}"] = Bad((*base, flag, value), flag)


def _output_cases() -> None:
    """Output paths: missing parent, a folder in the way, a wrong extension, an input."""
    files = [
        ("analyze", ANALYZE[:-1], ".gpkg", "-o"),
        ("site", SITE[:-1], ".gpkg", "-o"),
        ("matrix", MATRIX[:-1], ".parquet", "-o"),
        ("need", NEED[:-1], ".csv", "-o"),
        ("map", MAP[:-1], ".png", "-o"),
        ("visits export", ("visits", "export", "--db", DB), ".csv", "OUT.csv"),
        ("visits backup", ("visits", "backup", "--db", DB), ".sqlite", "OUT"),
    ]
    for name, base, ext, flag in files:
        CASES[f"{name} -o missing folder"] = Bad(
            (*base, f"{{out}}/nope/x{ext}"), "does not exist", also=(flag, "nope")
        )
        if name != "visits backup":  # a folder there means "back up into it"
            CASES[f"{name} -o is a folder"] = Bad(
                (*base, f"{{out}}/d{ext}"), "is a folder", setup=_mkdir(f"{{out}}/d{ext}")
            )
        CASES[f"{name} -o wrong extension"] = Bad(
            (*base, "{out}/x.xlsx"), "unsupported file type", also=(flag, ext)
        )
        CASES[f"{name} -o under a file"] = Bad(
            (*base, f"{{out}}/f.txt/x{ext}"), "not a folder", setup=_write("{out}/f.txt", "x")
        )
    CASES["need -o is the input"] = Bad(("need", "{inp}/svi.csv", "-o", "{inp}/svi.csv"), "input")
    CASES["visits backup onto the log itself"] = Bad(
        ("visits", "backup", "--db", DB, "{inp}/log/visits.sqlite"), "input"
    )
    CASES["site -o is the candidates file"] = Bad(
        (*SITE[:-1], "{inp}/cands.gpkg", "--candidates", "{inp}/cands.gpkg"), "input"
    )
    CASES["map -o is the --stops file"] = Bad(
        (*MAP[:-2], "--stops", "{inp}/stops.csv", "-o", "{inp}/stops.csv"), "input"
    )
    folders = [
        ("plan", PLAN[:-1], "-o"),
        ("export data", DATA[:-1], "-o"),
        ("export packet", PACKET[:-1], "-o"),
        ("synth", ("synth",), "DIR"),
        ("region init", ("region", "init", "--network", "{inp}/tiny/roads.osm", "--tracts",
                         "{inp}/tiny/tracts.gpkg", "--services", "{inp}/tiny/services.gpkg"),
         "DIR"),
    ]  # fmt: skip
    for name, base, flag in folders:
        CASES[f"{name} output is a file"] = Bad(
            (*base, "{out}/f.txt"), "is a file", setup=_write("{out}/f.txt", "x"), also=(flag,)
        )
        CASES[f"{name} output in a missing folder"] = Bad(
            (*base, "{out}/nope/dir"), "does not exist", also=(flag,)
        )
    CASES["plan -o a folder geo_outreach did not write"] = Bad(
        PLAN, "did not write", setup=_write("{out}/plan/thesis.docx", "mine")
    )
    CASES["plan -o is the visits file"] = Bad((*PLAN[:-1], "{inp}/visits.csv"), "input")
    CASES["export packet -o is the plan"] = Bad((*PACKET[:-1], "{inp}/plan"), "plan")
    CASES["synth into a non-empty folder"] = Bad(
        ("synth", "{out}/syn"), "not empty", setup=_write("{out}/syn/notes.txt", "x")
    )
    CASES["region init over an existing region.toml"] = Bad(
        (*folders[-1][1], "{out}/reg"),
        "--overwrite",
        setup=_write("{out}/reg/region.toml", 'name = "mine"\n'),
    )
    CASES["region init where region.toml is a folder"] = Bad(
        (*folders[-1][1], "{out}/reg"), "is a folder", setup=_mkdir("{out}/reg/region.toml")
    )


_output_cases()

VISITS_HEAD = "visit_id,name,address,lon,lat,duration_min,windows,priority,skills,notes\n"
WORKERS_HEAD = "worker_id,name,start_lon,start_lat,mode,skills,shift,break\n"
GOOD_VISIT = "A,Shop,1 South St,-122.6461,45.5201,30,,required,,\n"
GOOD_WORKER = "van,Van,-122.6459,45.5200,drive,en;es,Mon-Fri 08:30-17:00,\n"

#: (file name, damaged content or None for "missing", words the message must hold)
DAMAGED_CSV: list[tuple[str, str | bytes | None, str]] = [
    ("missing.csv", None, "not found"),
    ("empty.csv", "", "empty"),
    ("blank.csv", "\n\n\n", "empty"),
    ("binary.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary", "not a text file"),
    ("quotes.csv", 'a,b\n1,"never closed\n', "well-formed"),
]


def _input_cases() -> None:
    for name, content, needle in DAMAGED_CSV:
        setup = None if content is None else _write(f"{{bad}}/{name}", content)
        path = f"{{bad}}/{name}"
        CASES[f"plan --visits {name}"] = Bad(
            (*PLAN[:4], path, *PLAN[5:]), needle, setup=setup, also=(name,)
        )
        CASES[f"plan --workers {name}"] = Bad(
            (*PLAN[:6], path, *PLAN[7:]), needle, setup=setup, also=(name,)
        )
        CASES[f"need {name}"] = Bad(("need", path, "-o", "{out}/n.csv"), needle, setup=setup)
        CASES[f"visits import {name}"] = Bad(
            ("visits", "import", path, "--db", DB), needle, setup=setup
        )
        CASES[f"impact --units {name}"] = Bad(
            ("impact", "--db", DB, "--units", path), needle, setup=setup
        )
        CASES[f"impact --underserved {name}"] = Bad(
            ("impact", "--db", DB, "--underserved", path), needle, setup=setup
        )
        CASES[f"site --candidates {name}"] = Bad((*SITE, "--candidates", path), needle, setup=setup)
        CASES[f"map --stops {name}"] = Bad(
            (*MAP, "--layers", "need,stops", "--stops", path), needle, setup=setup
        )
    for flag, argv in [
        ("plan --visits", (*PLAN[:4], "{bad}", *PLAN[5:])),
        ("plan --workers", (*PLAN[:6], "{bad}", *PLAN[7:])),
        ("need", ("need", "{bad}", "-o", "{out}/n.csv")),
        ("visits import", ("visits", "import", "{bad}", "--db", DB)),
        ("impact --units", ("impact", "--db", DB, "--units", "{bad}")),
        ("impact --plan", ("impact", "--db", DB, "--plan", "{bad}")),
        ("site --candidates", (*SITE, "--candidates", "{bad}")),
        ("map --analysis", (*MAP[:4], "--analysis", "{bad}", *MAP[6:])),
        ("region init --network", ("region", "init", "--network", "{bad}", "--tracts",
                                   "{inp}/tiny/tracts.gpkg", "--services",
                                   "{inp}/tiny/services.gpkg", "{out}/reg")),
        ("export packet --plan", (*PACKET[:2], "--plan", "{bad}", *PACKET[4:])),
    ]:  # fmt: skip
        CASES[f"{flag} is a folder"] = Bad(argv, "folder", setup=_mkdir("{bad}"))

    def visits(body: str, head: str = VISITS_HEAD) -> Callable[[Env], None]:
        return _write("{bad}/v.csv", head + body)

    def workers(body: str, head: str = WORKERS_HEAD) -> Callable[[Env], None]:
        return _write("{bad}/w.csv", head + body)

    v_argv = (*PLAN[:4], "{bad}/v.csv", *PLAN[5:])
    w_argv = (*PLAN[:6], "{bad}/w.csv", *PLAN[7:])
    for case, setup, needle in [
        ("header only", visits(""), "no rows"),
        ("no duration_min", visits("A,-122.6,45.5\n", "visit_id,lon,lat\n"), "duration_min"),
        ("no position", visits("A,30\n", "visit_id,duration_min\n"), "lon"),
        ("duplicate visit_id", visits(GOOD_VISIT + GOOD_VISIT), "duplicate visit_id"),
        ("lon/lat swapped", visits("A,S,,45.5201,-122.6461,30,,required,,\n"), "swapped"),
        ("latitude 95", visits("A,S,,-122.6,95.0,30,,required,,\n"), "lon/lat"),
        ("duration text", visits("A,S,,-122.6461,45.5201,half an hour,,required,,\n"), "v.csv"),
        ("unknown skill", visits("A,S,,-122.6461,45.5201,30,,required,klingon,\n"), "skill"),
        ("window backwards", visits("A,S,,-122.6461,45.5201,30,14:00-10:00,required,,\n"), "v.csv"),
        ("spreadsheet file", _write("{bad}/v.xlsx", b"PK\x03\x04xlsx"), "v.xlsx"),
    ]:  # fmt: skip
        argv = v_argv if case != "spreadsheet file" else (*PLAN[:4], "{bad}/v.xlsx", *PLAN[5:])
        CASES[f"plan visits {case}"] = Bad(argv, needle, setup=setup)
    for case, setup, needle in [
        ("header only", workers(""), "no rows"),
        ("no shift", workers("van,-122.6,45.5\n", "worker_id,start_lon,start_lat\n"), "shift"),
        ("no start", workers("van,Mon-Fri 08:00-17:00\n", "worker_id,shift\n"), "start_lon"),
        ("duplicate worker_id", workers(GOOD_WORKER + GOOD_WORKER), "duplicate worker_id"),
        ("start swapped", workers("van,V,45.52,-122.6459,drive,en,Mon-Fri 08:30-17:00,\n"), "swapped"),
        ("unknown skill", workers("van,V,-122.6459,45.52,drive,xx1,Mon-Fri 08:30-17:00,\n"), "skill"),
        ("shift gibberish", workers("van,V,-122.6459,45.52,drive,en,whenever,\n"), "w.csv"),
        ("mode bike", workers("van,V,-122.6459,45.52,bike,en,Mon-Fri 08:30-17:00,\n"), "w.csv"),
    ]:  # fmt: skip
        CASES[f"plan workers {case}"] = Bad(w_argv, needle, setup=setup)

    need_argv = ("need", "{bad}/u.csv", "-o", "{out}/n.csv")
    for case, text, needle in [
        ("header only", SVI_HEADER + "\n", "at least two units"),
        ("one unit", SVI_HEADER + "\n" + SVI_ROWS[0] + "\n", "at least two units"),
        ("no id column", SVI_HEADER.replace("FIPS", "code") + "\n" + "\n".join(SVI_ROWS),
         "id column"),
        ("missing EP column", "\n".join(
            ",".join(r.split(",")[:-1]) for r in [SVI_HEADER, *SVI_ROWS]), "EP_GROUPQ"),
        ("empty EP column", "\n".join(
            [SVI_HEADER] + [",".join([*r.split(",")[:-1], "-999"]) for r in SVI_ROWS]),
         "EP_GROUPQ"),
    ]:  # fmt: skip
        CASES[f"need {case}"] = Bad(need_argv, needle, setup=_write("{bad}/u.csv", text))
    CASES["need unknown --id-col"] = Bad((*NEED, "--id-col", "GEOIDX"), "GEOIDX")
    CASES["need --preset without --method custom"] = Bad((*NEED, "--preset", "svi"), "--method")
    CASES["need --method custom alone"] = Bad((*NEED, "--method", "custom"), "exactly one")
    CASES["need bad --variables"] = Bad(
        (*NEED, "--method", "custom", "--variables", "EP_POV150:abc"), "abc"
    )
    CASES["need spreadsheet"] = Bad(
        ("need", "{bad}/u.xlsx", "-o", "{out}/n.csv"), ".xlsx", setup=_write("{bad}/u.xlsx", "x")
    )

    imp = ("visits", "import", "{bad}/l.csv", "--db", DB)
    for case, text, needle in [
        ("no outcome column", "worker_id,visited_at\nana,2024-05-02 10:00\n", "outcome"),
        ("unknown column", VISIT_LOG.replace("people_reached", "peeple"), "peeple"),
        ("ragged row", VISIT_LOG + "ana,2024-05-03,done,S02,1,extra\n", "row"),
        ("negative people", VISIT_LOG.replace(",5\n", ",-5\n"), "l.csv"),
        ("outcome typo", VISIT_LOG.replace(",done,", ",dun,"), "l.csv"),
        ("date in 2099", VISIT_LOG.replace("2024-05-02", "2099-05-02"), "l.csv"),
    ]:
        CASES[f"visits import {case}"] = Bad(imp, needle, setup=_write("{bad}/l.csv", text))

    for case, text, needle in [
        ("no lon/lat", "name,x1,y1\nA,1,2\n", "lon"),
        ("lon/lat swapped", "name,lon,lat\nA,45.52,-122.65\n", "swapped"),
    ]:
        CASES[f"site candidates {case}"] = Bad(
            (*SITE, "--candidates", "{bad}/c.csv"), needle, setup=_write("{bad}/c.csv", text)
        )


_input_cases()


def _roadless_region(env: Env) -> None:
    """A region whose network file has a stream but no road."""
    reg = env.bad / "reg"
    reg.mkdir(parents=True)
    (reg / "r.osm").write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="45.52" lon="-122.65"/>'
        '<node id="2" lat="45.53" lon="-122.65"/><way id="3"><nd ref="1"/><nd ref="2"/>'
        '<tag k="waterway" v="stream"/></way></osm>\n',
        encoding="utf-8",
    )
    tiny = env.inp / "tiny"
    text = (tiny / "region.toml").read_text(encoding="utf-8")
    text = text.replace('path = "roads.osm"', 'path = "r.osm"')
    for name in ("tracts.gpkg", "services.gpkg"):
        text = text.replace(f'path = "{name}"', f'path = "{tiny / name}"')
    (reg / "region.toml").write_text(text, encoding="utf-8")


def _need_region(need_line: str) -> Callable[[Env], None]:
    """A copy of the synthetic region whose manifest has ``[need]`` with ``need_line``."""

    def setup(env: Env) -> None:
        import shutil

        target = env.bad / "r"
        shutil.copytree(env.region, target)
        manifest = target / "region.toml"
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(text + f"\n[need]\n{need_line}\n", encoding="utf-8")

    return setup


def _other_cases() -> None:
    no_folder = "sqlite:///{out}/typo/visits.sqlite"
    for action in (
        ("visits", "import", "{inp}/log.csv"),
        ("visits", "export", "{out}/v.csv"),
        ("visits", "backup", "{out}/b.sqlite"),
        ("visits", "history", "abc"),
        ("visits", "void", "abc", "--by", "sup", "--reason", "typo"),
        ("impact",),
    ):
        name = " ".join(action[:2]) if action[0] == "visits" else "impact"
        CASES[f"{name} --db in a missing folder"] = Bad(
            (*action, "--db", no_folder), "does not exist", also=("--db", "typo")
        )
        CASES[f"{name} --db is a folder"] = Bad(
            (*action, "--db", "sqlite:///{out}"), "is a folder", also=("--db",)
        )
        if action[1:2] != ("import",):
            CASES[f"{name} --db names no log"] = Bad(
                (*action, "--db", "sqlite:///{out}/none.sqlite"), "no visit log", also=("--db",)
            )
    CASES["visits import --db not a URL"] = Bad(
        ("visits", "import", "{inp}/log.csv", "--db", "::nope::"), "not a URL"
    )
    CASES["visits import --db mysql"] = Bad(
        ("visits", "import", "{inp}/log.csv", "--db", "mysql://u@h/db"), "not supported"
    )
    CASES["visits import --plan missing"] = Bad(
        ("visits", "import", "{inp}/log.csv", "--db", DB, "--plan", "{bad}/p.csv"), "--plan"
    )
    CASES["visits import --plan without visit_id"] = Bad(
        ("visits", "import", "{inp}/log.csv", "--db", DB, "--plan", "{bad}/p.csv"),
        "visit_id",
        setup=_write("{bad}/p.csv", "stop,worker\n1,ana\n"),
    )
    CASES["impact bad --since"] = Bad(("impact", "--db", DB, "--since", "yesterday"), "yesterday")
    CASES["visits export bad --since"] = Bad(
        ("visits", "export", "{out}/v.csv", "--db", DB, "--since", "2024-13-45"), "2024-13-45"
    )

    # siting: no answer is exit 3 with the reason; --stops where it means nothing
    CASES["site lscp infeasible"] = Bad(
        ("site", "--region", "{region}", "--model", "lscp", "--within-min", "0.5", "-o",
         "{out}/s.gpkg"), "infeasible", code=3, also=("--within-min", "10.4 min"),
    )  # fmt: skip
    CASES["site lscp with --stops"] = Bad(
        ("site", "--region", "{region}", "--model", "lscp", "--stops", "3", "-o", "{out}/s.gpkg"),
        "--stops",
        also=("lscp",),
    )
    CASES["site mclp without --stops"] = Bad(SITE[:3] + SITE[5:], "--stops")
    CASES["site unknown --existing"] = Bad((*SITE, "--existing", "spaceport"), "spaceport")
    CASES["site too many stops"] = Bad((*SITE, "--stops", "9999"), "--stops")
    CASES["site unknown --need"] = Bad((*SITE, "--need", "nonsense"), "--need")
    CASES["analyze unknown --need"] = Bad((*ANALYZE, "--need", "nonsense"), "--need")
    CASES["analyze unknown --modes"] = Bad((*ANALYZE, "--modes", "drive,fly"), "--modes")
    CASES["analyze --within-min beyond --cutoff-min"] = Bad(
        (*ANALYZE, "--within-min", "90"), "--within-min", also=("--cutoff-min",)
    )
    CASES["matrix --to tracts"] = Bad((*MATRIX, "--to", "tracts"), "--to")
    CASES["map unknown --layers"] = Bad((*MAP, "--layers", "need,volcanoes"), "volcanoes")
    CASES["map stops layer without --stops"] = Bad((*MAP, "--layers", "need,stops"), "--stops")
    CASES["map routes layer without --plan"] = Bad((*MAP, "--layers", "routes"), "--plan")
    CASES["data unknown --formats"] = Bad((*DATA, "--formats", "gpkg,xlsx"), "xlsx")
    CASES["packet unknown worker"] = Bad((*PACKET[:4], "--worker", "nobody", *PACKET[6:]), "nobody")
    CASES["packet unknown day"] = Bad((*PACKET[:6], "--day", "Funday", *PACKET[8:]), "Funday")
    CASES["packet bad --week-of"] = Bad((*PACKET, "--week-of", "next week"), "--week-of")
    CASES["packet unknown --timezone"] = Bad((*PACKET, "--timezone", "Mars/Olympus"), "Mars")
    CASES["packet plan without manifest files"] = Bad(
        (*PACKET[:2], "--plan", "{bad}/plan", *PACKET[4:]),
        "stops.csv",
        setup=_mkdir("{bad}/plan"),
    )

    # regions: files that are not what they say, all-zero population
    init = ("region", "init", "--network", "{inp}/tiny/roads.osm", "--tracts",
            "{inp}/tiny/tracts.gpkg", "--services", "{inp}/tiny/services.gpkg")  # fmt: skip
    CASES["region init missing network"] = Bad(
        (*init[:3], "{bad}/roads.osm", *init[4:], "{out}/reg"), "--network"
    )
    CASES["region init missing tracts"] = Bad(
        (*init[:5], "{bad}/t.gpkg", *init[6:], "{out}/reg"), "--tracts"
    )
    CASES["region init network is PBF"] = Bad(
        (*init[:3], "{bad}/r.osm.pbf", *init[4:], "{out}/reg"),
        "PBF",
        setup=_write("{bad}/r.osm.pbf", b"\x00\x00\x00\x0d\x0a\x09OSMHeader"),
    )
    CASES["region init network not OSM"] = Bad(
        (*init[:3], "{bad}/r.osm", *init[4:], "{out}/reg"),
        "r.osm",
        setup=_write("{bad}/r.osm", "hello, this is not xml\n"),
    )
    CASES["region info network without roads"] = Bad(
        ("region", "info", "--region", "{bad}/reg"), "r.osm", setup=_roadless_region
    )
    CASES["region init wrong population column"] = Bad(
        (*init, "--population-col", "POP2099", "{out}/reg"), "POP2099"
    )
    CASES["region init all-zero population"] = Bad(
        (*init, "--population-col", "ZERO", "{out}/reg"), "ZERO", also=("0 for every unit",)
    )
    CASES["region init unknown id column"] = Bad((*init, "--id-col", "NOPE", "{out}/reg"), "NOPE")
    CASES["region info missing region"] = Bad(
        ("region", "info", "--region", "{bad}/noregion"), "noregion"
    )
    CASES["region info folder without region.toml"] = Bad(
        ("region", "info", "--region", "{bad}"), "region.toml", setup=_mkdir("{bad}")
    )
    CASES["plan too big for the memory limit"] = Bad(
        PLAN,
        "GB",
        also=("visits.csv", "GEO_OUTREACH_MAX_PLAN_MEMORY_GB", "split"),
        environ=(("GEO_OUTREACH_MAX_PLAN_MEMORY_GB", "0.000001"),),
    )
    CASES["plan of 10,000 visits refused before building anything"] = Bad(
        (*PLAN[:4], "{bad}/v10k.csv", *PLAN[5:]),
        "10000 visits",
        also=("GB",),
        setup=_write(
            "{bad}/v10k.csv",
            "visit_id,lon,lat,duration_min\n"
            + "".join(
                f"V{i},{-122.70 + (i % 100) * 0.001:.4f},{45.50 + (i // 100) * 0.001:.4f},20\n"
                for i in range(10_000)
            ),
        ),
        environ=(("GEO_OUTREACH_MAX_PLAN_MEMORY_GB", "8"),),
    )
    CASES["plan memory limit not a number"] = Bad(
        PLAN,
        "GEO_OUTREACH_MAX_PLAN_MEMORY_GB",
        environ=(("GEO_OUTREACH_MAX_PLAN_MEMORY_GB", "lots"),),
    )
    CASES["synth --need-variables not a column"] = Bad(
        (*SYNTH, "--country", "SE", "--nodes", "300", "--need-variables", "EP_POV150:1"),
        "EP_POV150",
        also=("andel_lag_ek_standard",),
    )
    CASES["synth --need-variables zero weight"] = Bad(
        (*SYNTH, "--country", "SE", "--nodes", "300", "--need-variables", "folkmangd:0"),
        "non-zero",
    )
    CASES["visits import unknown --timezone"] = Bad(
        ("visits", "import", "{inp}/log.csv", "--db", DB, "--timezone", "Mars/Olympus"),
        "Mars/Olympus",
        also=("IANA",),
    )
    CASES["analyze [need] variables names a missing column"] = Bad(
        ("analyze", "--region", "{bad}/r", "-o", "{out}/a.gpkg"),
        "nope_col",
        also=("region.toml",),
        setup=_need_region('variables = "nope_col:1,EP_POV150:1"'),
    )
    CASES["analyze [need] variables bad weight"] = Bad(
        ("analyze", "--region", "{bad}/r", "-o", "{out}/a.gpkg"),
        "COLUMN:WEIGHT",
        also=("region.toml",),
        setup=_need_region('variables = "EP_POV150:lots"'),
    )
    CASES["unknown command"] = Bad(("frobnicate",), "frobnicate")
    CASES["unknown option"] = Bad((*ANALYZE, "--colour", "red"), "--colour")
    CASES["missing required -o"] = Bad(ANALYZE[:-2], "-o")


_other_cases()


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, synth_region: Path) -> Path:
    """Good inputs, written once: plan CSVs, an SVI table, a visit log, a plan, an analysis."""
    import geopandas as gpd

    inp = tmp_path_factory.mktemp("good")
    visits = TINY_VISITS_CSV
    (inp / "visits.csv").write_text(visits, encoding="utf-8")
    (inp / "workers.csv").write_text(TINY_WORKERS_CSV, encoding="utf-8")
    (inp / "svi.csv").write_text(SVI_HEADER + "\n" + "\n".join(SVI_ROWS) + "\n", encoding="utf-8")
    (inp / "log.csv").write_text(VISIT_LOG, encoding="utf-8")
    (inp / "stops.csv").write_text("name,lon,lat\nA,-122.65,45.52\n", encoding="utf-8")
    (inp / "log").mkdir()
    assert main(["visits", "import", str(inp / "log.csv"), "--db", DB.format(inp=inp)]) == 0
    tracts = gpd.read_file(synth_region / "tracts.gpkg", layer="tracts")
    tracts.head(2).to_file(inp / "cands.gpkg")
    assert main(["analyze", "--region", str(synth_region), "-o", str(inp / "analysis.gpkg")]) == 0
    from tests.conftest import make_tiny_region, tiny_units

    tiny = make_tiny_region(inp / "tiny")
    tiny_units().assign(ZERO=0).to_file(tiny / "tracts.gpkg", layer="tracts")
    plan = ["plan", "--region", str(tiny), "--visits", str(inp / "visits.csv")]
    plan += ["--workers", str(inp / "workers.csv"), "--time-limit", "1", "-o", str(inp / "plan")]
    assert main(plan) == 0
    return inp


def _tree(*roots: Path) -> dict[str, int | None]:
    """Every path under ``roots`` with its size (SQLite files: present only, they may be
    touched by opening)."""
    seen: dict[str, int | None] = {}
    for root in roots:
        for p in sorted(root.rglob("*")) if root.exists() else []:
            sqlite = ".sqlite" in p.name
            if sqlite and p.name.endswith(("-wal", "-shm", "-journal")):
                continue
            seen[str(p)] = None if (p.is_dir() or sqlite) else p.stat().st_size
    return seen


@pytest.fixture
def env(inputs: Path, synth_region: Path, tmp_path: Path, monkeypatch) -> Env:
    home = tmp_path / "home"
    monkeypatch.setenv("GEO_OUTREACH_HOME", str(home))
    monkeypatch.delenv("GEO_OUTREACH_DB_URL", raising=False)
    out = tmp_path / "out"
    out.mkdir()
    return Env(inp=inputs, out=out, bad=tmp_path / "bad", region=synth_region, home=home)


def test_there_are_at_least_200_kinds_of_bad_input() -> None:
    assert len(CASES) >= 200, len(CASES)


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input(
    case: Bad, env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in case.environ:
        monkeypatch.setenv(name, value)
    if case.setup is not None:
        case.setup(env)
    before = _tree(env.out, env.bad, env.home, env.inp, env.region)
    capsys.readouterr()
    code = main(case.command(env))
    out, err = capsys.readouterr()
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == case.code, f"exit {code}; stderr: {err}"
    assert "Traceback" not in err and "Traceback" not in out
    assert len(lines) == 1 and lines[0].startswith("error: "), f"not one error line: {err!r}"
    message = lines[0]
    for needle in (case.needle, *case.also):
        assert env.fmt(needle) in message, f"{needle!r} not in {message!r}"
    after = _tree(env.out, env.bad, env.home, env.inp, env.region)
    assert after == before, f"left behind: {sorted(set(after) - set(before))}"


# --------------------------------------------------------------------------- in the user's language
def _untranslated_words(message: str, data: list[str]) -> list[str]:
    """Words of ``message`` (rendered in the pseudo-locale) that went through no catalogue:
    what is left once the translated spans (innermost first: a message may hold another),
    the data values (paths, the user's own arguments) and the codes people type (flags,
    column and parameter names, file names: ``duration_min``, ``--time-limit``) are taken out."""
    import re

    from geo_outreach.i18n import PSEUDO_CLOSE, PSEUDO_OPEN

    span = re.compile(
        re.escape(PSEUDO_OPEN) + f"[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*" + re.escape(PSEUDO_CLOSE)
    )
    rest = message
    while (stripped := span.sub(" ", rest)) != rest:
        rest = stripped
    for value in sorted(data, key=len, reverse=True):
        rest = rest.replace(value, " ")
    words = re.findall(r"[^\W\d][\w.\-/]*", rest)
    # codes: flags, names with _ - . /, metavars in capitals (OUT, FILE), units (s, m)
    return [w for w in words if not re.search(r"[_\-./]", w) and not w.isupper() and len(w) > 1]


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_explained_in_the_users_language(
    case: Bad, env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same cases in the pseudo-locale: the one error line is made of translated text and
    the user's own data; no sentence of the library or the CLI bypasses the catalogues."""
    from geo_outreach.i18n import PSEUDO, PSEUDO_OPEN

    for name, value in case.environ:
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GEO_OUTREACH_LANG", PSEUDO)
    if case.setup is not None:
        case.setup(env)
    capsys.readouterr()
    argv = case.command(env)
    code = main(argv)
    _out, err = capsys.readouterr()
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == case.code and len(lines) == 1 and lines[0].startswith("error: "), err
    message = lines[0].removeprefix("error: ")
    assert PSEUDO_OPEN in message, message
    data = [*argv, str(env.inp), str(env.out), str(env.bad), str(env.region), str(env.home)]
    assert _untranslated_words(message, data) == [], message


# --------------------------------------------------------------------------- Ctrl-C
#: ``python -m geo_outreach`` as a terminal starts it: with Python's own Ctrl-C handler.  A
#: process started in the background of a non-interactive shell (a CI runner's ``cmd &``)
#: inherits SIGINT as ignored, and Python then installs no handler, so the test's SIGINT would
#: be ignored too (one fresh-clone run launched that way went on to finish with 0).
_AS_FROM_A_TERMINAL = (
    "import runpy, signal\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "runpy.run_module('geo_outreach', run_name='__main__', alter_sys=True)\n"
)


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _AS_FROM_A_TERMINAL, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_ctrl_c_during_work_prints_one_line_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    """A real process, a real SIGINT while it writes a region: one line, 130, no folder."""
    target = tmp_path / "big"
    proc = _cli("synth", str(target), "--nodes", "400000")
    try:
        # wait for the state that matters: the temporary folder beside the target exists
        deadline = 120.0
        import time

        t0 = time.monotonic()
        while not any(p.name.startswith(".geo_outreach-tmp-") for p in tmp_path.iterdir()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() - t0 < deadline, "synth never started writing"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip() == "interrupted"
    assert list(tmp_path.iterdir()) == []  # neither the region nor its temporary folder


def test_ctrl_c_at_start_up_prints_one_line_and_exits_130() -> None:
    """Ctrl-C while the CLI is still importing its commands (SIGALRM -> KeyboardInterrupt)."""
    code = (
        "import signal, runpy\n"
        "signal.signal(signal.SIGALRM, signal.default_int_handler)\n"
        "signal.setitimer(signal.ITIMER_REAL, 0.15)\n"
        "runpy.run_module('geo_outreach', run_name='__main__', alter_sys=True)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, "region", "info"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 130, res.stderr
    assert res.stderr.strip() == "interrupted"


# --------------------------------------------------------------------------- flags
@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (("time_limit_s must be > 0", {"parameter": "time_limit_s"}), "--time-limit must be > 0"),
        (("infeasible with p=4; raise p", {}), "infeasible with --stops 4; raise p"),
        (("move it onto a street or raise max_snap_m", {}), "raise --max-snap-m"),
        (("give candidate stops (candidates=FILE)", {}), "(--candidates FILE)"),
        (("at max_time_s=30 s", {}), "at --within-min 30 s"),
        (("unknown need method", {"parameter": "need"}), "--need: unknown need method"),
        (("v.csv: duration_min is empty", {"column": "duration_min"}), "duration_min is empty"),
    ],
)
def test_library_parameter_names_are_shown_as_flags(error, shown) -> None:
    from geo_outreach.cli import build_parser, error_line
    from geo_outreach.errors import InputError

    site = build_parser()._subparsers._group_actions[0].choices["site"]
    message, fields = error
    assert shown in error_line(InputError(message, **fields), site)


# --------------------------------------------------------------------------- nothing half-written
@pytest.mark.parametrize(
    "argv",
    [
        ("analyze", "--region", "{region}", "-o", "{out}/x.gpkg"),
        ("site", "--region", "{region}", "--stops", "1", "-o", "{out}/x.gpkg"),
    ],
    ids=["analyze", "site"],
)
def test_ctrl_c_between_two_layers_keeps_the_previous_geopackage(
    argv, env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted after its first layer, a command leaves the earlier GeoPackage as it was
    (today's bug: an empty layer, or one layer of two)."""
    import geo_outreach.present.layers as layers

    out = env.out / "x.gpkg"
    out.write_bytes(b"the previous output")
    real = layers.gpkg_safe
    calls = []

    def interrupt_on_second_layer(frame):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(frame)

    monkeypatch.setattr(layers, "gpkg_safe", interrupt_on_second_layer)
    assert main([env.fmt(a) for a in argv]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"
    assert out.read_bytes() == b"the previous output"
    assert [p.name for p in env.out.iterdir()] == ["x.gpkg"]  # no temporary file either
