"""Local copies of the JavaScript/CSS that folium maps load, so maps work offline.

folium (0.20) writes ``<script src>`` / ``<link href>`` tags that point at CDNs
(jsdelivr, cdnjs, code.jquery.com, bootstrapcdn).  Without internet such a map
renders blank.  This module

* lists every CDN URL we know of together with the npm package, version and
  file inside the package that replaces it (:data:`ASSETS`);
* downloads those packages with ``npm pack`` into a vendor folder
  (:func:`fetch_assets`, also ``python -m geo_outreach.present.assets fetch``
  and ``scripts/fetch_assets.sh``);
* rewrites a map's links to local ones, either embedding the files into the
  HTML (``mode="inline"``: one self-contained file for exports) or pointing them
  at a base URL (``mode="url"``: e.g. Streamlit static serving)
  (:func:`render_offline_html`, :func:`localize_html`, :func:`localize_map`).

The vendor folder is ``$GEO_OUTREACH_ASSETS`` when set, else
``<repo>/app/static/vendor`` (git-ignored).
"""

from __future__ import annotations

import argparse
import base64
import logging
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from geo_outreach.errors import InputError
from geo_outreach.i18n import N_, _

if TYPE_CHECKING:
    import folium

__all__ = [
    "ASSETS",
    "ENV_VAR",
    "FETCH_HINT",
    "VendorAsset",
    "asset_for_url",
    "fetch_assets",
    "localize_html",
    "localize_map",
    "missing_assets",
    "render_offline_html",
    "require_assets",
    "vendor_dir",
]

logger = logging.getLogger(__name__)

ENV_VAR = "GEO_OUTREACH_ASSETS"
"""Environment variable naming the vendor folder."""

FETCH_HINT = (
    "run scripts/fetch_assets.sh (or `python -m geo_outreach.present.assets fetch`) "
    "once on a machine that can reach the npm registry"
)

GENERATED = "geo_outreach-generated"
"""Pseudo package folder for files we write ourselves instead of fetching."""

_COMPLETE_MARK = ".geo_outreach-complete"
_LICENSE_RE = re.compile(r"^(licen[cs]e|copying|notice)([.-].*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class VendorAsset:
    """One CDN file and its local replacement.

    Parameters
    ----------
    name
        folium's name for the resource (``"leaflet"``, ``"bootstrap_css"``...).
    kind
        ``"js"`` or ``"css"``.
    cdn_url
        The exact URL folium (or branca) writes into the HTML.
    package
        npm package that ships the file; :data:`GENERATED` for files we write.
    version
        npm version.  Equals the CDN's version except where npm lacks it (see note).
    file
        Path of the file inside the unpacked package.
    note
        Why this mapping differs from the CDN, if it does.
    """

    name: str
    kind: Literal["js", "css"]
    cdn_url: str
    package: str
    version: str
    file: str
    note: str = ""

    @property
    def folder(self) -> str:
        """Folder of the unpacked package relative to the vendor folder."""
        if self.package == GENERATED:
            return GENERATED
        return f"{self.package}@{self.version}"

    @property
    def relpath(self) -> str:
        """Path of the file relative to the vendor folder (``/`` separated)."""
        return f"{self.folder}/{self.file}"


ASSETS: tuple[VendorAsset, ...] = (
    # folium.folium._default_js
    VendorAsset(
        "leaflet",
        "js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "leaflet",
        "1.9.3",
        "dist/leaflet.js",
    ),
    VendorAsset(
        "jquery",
        "js",
        "https://code.jquery.com/jquery-3.7.1.min.js",
        "jquery",
        "3.7.1",
        "dist/jquery.min.js",
    ),
    VendorAsset(
        "bootstrap",
        "js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "bootstrap",
        "5.2.2",
        "dist/js/bootstrap.bundle.min.js",
    ),
    VendorAsset(
        "awesome_markers",
        "js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "leaflet.awesome-markers",
        "2.0.5",
        "dist/leaflet.awesome-markers.js",
        note="npm has no 2.0.2; 2.0.5 is the same plugin (same API) as published to npm.",
    ),
    # folium.folium._default_css
    VendorAsset(
        "leaflet_css",
        "css",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
        "leaflet",
        "1.9.3",
        "dist/leaflet.css",
    ),
    VendorAsset(
        "bootstrap_css",
        "css",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "bootstrap",
        "5.2.2",
        "dist/css/bootstrap.min.css",
    ),
    VendorAsset(
        "glyphicons_css",
        "css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "glyphicons-only-bootstrap",
        "1.0.1",
        "css/bootstrap.min.css",
        note=(
            "The CDN file is the glyphicons part of Bootstrap 3; npm has no such file, "
            "glyphicons-only-bootstrap is that part of Bootstrap 3.3.7 (MIT)."
        ),
    ),
    VendorAsset(
        "awesome_markers_font_css",
        "css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "@fortawesome/fontawesome-free",
        "6.2.0",
        "css/all.min.css",
    ),
    VendorAsset(
        "awesome_markers_css",
        "css",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        "leaflet.awesome-markers",
        "2.0.5",
        "dist/leaflet.awesome-markers.css",
        note="npm has no 2.0.2; 2.0.5 is the same plugin (same API) as published to npm.",
    ),
    VendorAsset(
        "awesome_rotate_css",
        "css",
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
        GENERATED,
        "",
        "leaflet.awesome.rotate.css",
        note=(
            "Not on npm (it lives in folium's git repository); we generate an equivalent "
            "file: one `.fa-rotate-N` rule per whole degree, used by folium.Icon(angle=N)."
        ),
    ),
    # branca.colormap.ColorMap (legends of folium.Choropleth / colormaps)
    VendorAsset(
        "d3",
        "js",
        "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
        "d3",
        "3.5.5",
        "d3.min.js",
    ),
)
"""Every CDN file we can replace, keyed by its exact URL (see :func:`asset_for_url`)."""

_BY_URL = {a.cdn_url: a for a in ASSETS}


def asset_for_url(url: str) -> VendorAsset | None:
    """Return the :class:`VendorAsset` behind ``url``, or None if unknown.

    ``url`` is a CDN URL from :data:`ASSETS` or a local one that ends with an
    asset's ``relpath`` (as written by :func:`localize_map`).
    """
    found = _BY_URL.get(url)
    if found is None and not _is_remote(url):
        found = next((a for a in ASSETS if url.endswith("/" + a.relpath)), None)
    return found


def _generated_files() -> dict[str, str]:
    """Contents of the files we write ourselves, keyed by path under :data:`GENERATED`."""
    rules = "".join(
        f".fa-rotate-{deg}{{-webkit-transform:rotate({deg}deg);transform:rotate({deg}deg)}}"
        for deg in range(360)
    )
    return {
        "leaflet.awesome.rotate.css": (
            "/* geo_outreach: rotation classes for folium.Icon(angle=N) */\n" + rules + "\n"
        ),
        "README.txt": ("Files written by geo_outreach.present.assets (not third-party code).\n"),
    }


# --------------------------------------------------------------------------- location


def _default_vendor_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "app" / "static" / "vendor"


def vendor_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the vendor folder holding the local web assets.

    Parameters
    ----------
    path
        Explicit folder.  Default: ``$GEO_OUTREACH_ASSETS`` when set, else
        ``<repo>/app/static/vendor``.

    Returns
    -------
    Path
        The folder (not checked for existence; see :func:`require_assets`).
    """
    if path is not None:
        return Path(path).expanduser()
    from geo_outreach import config

    return config.assets_dir() or _default_vendor_dir()


def missing_assets(
    assets_dir: str | os.PathLike[str] | None = None,
    *,
    assets: Iterable[VendorAsset] = ASSETS,
) -> list[VendorAsset]:
    """Return the assets whose local file is absent from the vendor folder."""
    root = vendor_dir(assets_dir)
    return [a for a in assets if not (root / a.relpath).is_file()]


def require_assets(
    assets_dir: str | os.PathLike[str] | None = None,
    *,
    assets: Iterable[VendorAsset] = ASSETS,
) -> Path:
    """Return the vendor folder, raising :class:`InputError` if files are missing.

    Raises
    ------
    InputError
        When any asset file is absent; the message names the folder, the first
        missing files and how to fetch them.
    """
    root = vendor_dir(assets_dir)
    missing = missing_assets(root, assets=assets)
    if missing:
        shown = ", ".join(a.relpath for a in missing[:4])
        if len(missing) > 4:
            shown = _("{files} and {n} more").format(files=shown, n=len(missing) - 4)
        raise InputError(
            _(
                "offline map assets missing in {folder} ({files}); run scripts/fetch_assets.sh "
                "(or `python -m geo_outreach.present.assets fetch`) once on a machine that can "
                "reach the npm registry, or set {env_var} to a folder that holds them"
            ).format(folder=root, files=shown, env_var=ENV_VAR),
            source=str(root),
        )
    return root


# --------------------------------------------------------------------------- fetching


def _packages(assets: Iterable[VendorAsset]) -> dict[str, tuple[str, str]]:
    """``folder -> (package, version)`` for the npm packages among ``assets``."""
    out: dict[str, tuple[str, str]] = {}
    for a in assets:
        if a.package != GENERATED:
            out[a.folder] = (a.package, a.version)
    return out


_CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def _css_references(css_text: str) -> Iterator[str]:
    """Relative file references (``url(...)``) in a stylesheet, without query/fragment."""
    for match in _CSS_URL_RE.finditer(css_text):
        ref = match.group(2).strip()
        if ref.startswith(("data:", "http:", "https:", "//", "#")):
            continue
        ref = re.split(r"[?#]", ref, maxsplit=1)[0]
        if ref:
            yield ref


def _keep_files(pkg_root: Path, wanted: Sequence[str]) -> set[Path]:
    """Files to keep from an unpacked package: wanted files, what their CSS uses, licenses."""
    keep: set[Path] = set()
    for rel in wanted:
        f = pkg_root / rel
        if not f.is_file():
            raise InputError(
                _(
                    "npm package in {folder} has no file {file}; the asset table in "
                    "geo_outreach/present/assets.py is wrong for this version"
                ).format(folder=pkg_root, file=repr(rel)),
                source=str(pkg_root),
            )
        keep.add(f.resolve())
        if f.suffix == ".css":
            for ref in _css_references(f.read_text(encoding="utf-8")):
                target = (f.parent / ref).resolve()
                if target.is_file() and target.is_relative_to(pkg_root.resolve()):
                    # the whole folder: Leaflet's JS loads marker-icon-2x.png and
                    # marker-shadow.png from the folder its CSS points at
                    keep.update(p.resolve() for p in target.parent.iterdir() if p.is_file())
    for f in pkg_root.iterdir():
        if f.is_file() and (_LICENSE_RE.match(f.name) or f.name == "package.json"):
            keep.add(f.resolve())
    return keep


def _npm_pack(spec: str, dest: Path, npm: str) -> Path:
    """Run ``npm pack spec`` into ``dest`` and return the tarball path."""
    cmd = [npm, "pack", spec, "--pack-destination", str(dest), "--silent"]
    logger.info("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except FileNotFoundError as exc:
        raise InputError(
            _(
                "npm not found ({npm}); install Node.js/npm (Debian: apt-get install npm) "
                "to run scripts/fetch_assets.sh (or `python -m geo_outreach.present.assets fetch`)"
            ).format(npm=repr(npm)),
            source="npm",
        ) from exc
    if proc.returncode != 0:
        raise InputError(
            _(
                "`{command}` failed (exit {code}): {stderr}; "
                "check that the npm registry is reachable (npm config get registry)"
            ).format(
                command=" ".join(cmd), code=proc.returncode, stderr=proc.stderr.strip()[-500:]
            ),
            source=spec,
        )
    tarballs = sorted(dest.glob("*.tgz"))
    if len(tarballs) != 1:
        raise InputError(
            _("`npm pack {spec}` wrote {n} tarballs in {folder}").format(
                spec=spec, n=len(tarballs), folder=dest
            ),
            source=spec,
        )
    return tarballs[0]


def _unpack(tarball: Path, dest: Path) -> Path:
    """Extract an npm tarball (safely) and return its ``package/`` folder."""
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(dest, filter="data")
    roots = [p for p in dest.iterdir() if p.is_dir()]
    if len(roots) != 1:
        raise InputError(
            _("unexpected layout of npm tarball {file}").format(file=tarball.name),
            source=str(tarball),
        )
    return roots[0]


def fetch_assets(
    dest: str | os.PathLike[str] | None = None,
    *,
    npm: str = "npm",
    force: bool = False,
    prune: bool = True,
    assets: Sequence[VendorAsset] = ASSETS,
) -> list[str]:
    """Download the npm packages behind :data:`ASSETS` into the vendor folder.

    Idempotent: a package folder that is already complete is skipped.

    Parameters
    ----------
    dest
        Vendor folder (default: :func:`vendor_dir`).
    npm
        The npm executable.
    force
        Re-download packages that are already present.
    prune
        Keep only the files maps use (plus what their CSS references, the
        licenses and ``package.json``) instead of the whole package.
    assets
        The assets to fetch.

    Returns
    -------
    list of str
        The ``package@version`` folders that were downloaded now (empty when
        everything was present).

    Raises
    ------
    InputError
        When npm is missing or fails, or a package lacks an expected file.
    """
    root = vendor_dir(dest)
    root.mkdir(parents=True, exist_ok=True)
    fetched: list[str] = []
    by_folder: dict[str, list[str]] = {}
    for a in assets:
        by_folder.setdefault(a.folder, []).append(a.file)

    for folder, (package, version) in _packages(assets).items():
        target = root / folder
        if (target / _COMPLETE_MARK).is_file() and not force:
            logger.info("%s present, skipping", folder)
            continue
        with tempfile.TemporaryDirectory(dir=root, prefix=".fetch-") as tmp:
            tmp_path = Path(tmp)
            tarball = _npm_pack(f"{package}@{version}", tmp_path, npm)
            unpack_dir = tmp_path / "unpacked"
            unpack_dir.mkdir()
            pkg_root = _unpack(tarball, unpack_dir)
            if prune:
                keep = _keep_files(pkg_root, by_folder[folder])
                for f in sorted(pkg_root.rglob("*"), reverse=True):
                    if f.is_file() and f.resolve() not in keep:
                        f.unlink()
                    elif f.is_dir() and not any(f.iterdir()):
                        f.rmdir()
            else:
                _keep_files(pkg_root, by_folder[folder])  # validates the files exist
            (pkg_root / _COMPLETE_MARK).write_text(f"{package}@{version}\n", encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(pkg_root), str(target))
        logger.info("fetched %s into %s", folder, target)
        fetched.append(folder)

    gen = root / GENERATED
    gen.mkdir(exist_ok=True)
    for name, text in _generated_files().items():
        path = gen / name
        if force or not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return fetched


# --------------------------------------------------------------------------- rewriting

_SCRIPT_RE = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*(["'])(?P<url>[^"']+)\1[^>]*>\s*</script\s*>""",
    re.IGNORECASE,
)
_LINK_RE = re.compile(
    r"""<link\b(?=[^>]*\brel\s*=\s*["']?stylesheet)[^>]*?\bhref\s*=\s*(["'])(?P<url>[^"']+)\1[^>]*/?>""",
    re.IGNORECASE,
)
_FONT_FACE_RE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
_SRC_DECL_RE = re.compile(r"src\s*:[^;}]*;?", re.IGNORECASE)
_WOFF2_RE = re.compile(
    r"""url\(\s*(['"]?)(?P<ref>[^'")]+?\.woff2)(?:[?#][^'")]*)?\1\s*\)\s*format\(\s*['"]?woff2['"]?\s*\)""",
    re.IGNORECASE,
)


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0]
    if mime is None:
        mime = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}.get(
            path.suffix.lower(), "application/octet-stream"
        )
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime};base64,{data}"


def _inline_css(css_path: Path) -> str:
    """Stylesheet text with every local ``url()`` turned into a ``data:`` URI.

    In ``@font-face`` rules that offer a WOFF2 font only that font is kept (every
    browser that runs Leaflet 1.9 reads WOFF2), so exports do not carry each
    font four times.  A rule whose WOFF2 file an earlier rule of the same sheet
    already embeds is dropped (Font Awesome 6 repeats its fonts under its v4/v5
    family names, which folium's icons do not use), saving about 1 MB.
    """
    text = css_path.read_text(encoding="utf-8")
    base = css_path.parent
    embedded: set[Path] = set()

    def font_face(match: re.Match[str]) -> str:
        block = match.group(0)
        woff2 = _WOFF2_RE.search(block)
        if woff2 is None:
            return block
        font = (base / woff2.group("ref")).resolve()
        if not font.is_file():
            return block
        if font in embedded:
            return ""
        embedded.add(font)
        src = f'src:url({_data_uri(font)}) format("woff2");'
        parts = _SRC_DECL_RE.split(block)
        # keep the first src slot, drop the others
        return parts[0] + src + "".join(parts[1:])

    text = _FONT_FACE_RE.sub(font_face, text)

    def url(match: re.Match[str]) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")) or _is_remote(ref):
            if _is_remote(ref):
                logger.warning("stylesheet %s refers to remote %s", css_path, ref)
            return match.group(0)
        clean = re.split(r"[?#]", ref, maxsplit=1)[0]
        target = (base / clean).resolve()
        if not target.is_file():
            logger.warning("stylesheet %s refers to missing %s", css_path, ref)
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    return _CSS_URL_RE.sub(url, text)


def _inline_js(js_path: Path) -> str:
    # A literal "</script" inside the code would end the <script> element early.
    return re.sub(r"</(script)", r"<\\/\1", js_path.read_text(encoding="utf-8"), flags=re.I)


def _leaflet_icon_fix(images: Path) -> str:
    """JS that gives ``L.Icon.Default`` its images as data URIs.

    Leaflet guesses the folder of its default marker images from the CSS URL of
    ``.leaflet-default-icon-path``; once the CSS is inlined there is no folder,
    so plain ``folium.Marker`` icons would be broken images.
    """
    files = {
        "iconUrl": "marker-icon.png",
        "iconRetinaUrl": "marker-icon-2x.png",
        "shadowUrl": "marker-shadow.png",
    }
    opts = {k: _data_uri(images / v) for k, v in files.items() if (images / v).is_file()}
    if len(opts) != len(files):
        return ""
    body = ",".join(f'{k}:"{v}"' for k, v in opts.items())
    return f'\nL.Icon.Default.imagePath="";L.Icon.Default.mergeOptions({{{body}}});\n'


def _join_url(base_url: str, relpath: str) -> str:
    return base_url.rstrip("/") + "/" + relpath


def localize_html(
    html: str,
    *,
    mode: Literal["inline", "url"] = "inline",
    base_url: str | None = None,
    assets_dir: str | os.PathLike[str] | None = None,
    strict: bool = True,
) -> str:
    """Replace CDN ``<script src>`` / ``<link rel=stylesheet href>`` tags in an HTML page.

    Parameters
    ----------
    html
        A page rendered by folium (``m.get_root().render()``).
    mode
        ``"inline"``: embed each file (fonts and images as ``data:`` URIs), so
        the page needs nothing else.  ``"url"``: point each tag at
        ``base_url + <package>@<version>/<file>``.
    base_url
        Required for ``mode="url"``, e.g. ``"/app/static/vendor/"``.
    assets_dir
        Vendor folder (default :func:`vendor_dir`); used to check the files
        exist in both modes and to read them in inline mode.
    strict
        Raise when the page links a remote file that is not in :data:`ASSETS`
        (default).  When False such tags are left as they are, with a warning.

    Returns
    -------
    str
        The rewritten page.

    Raises
    ------
    InputError
        Bad ``mode``/``base_url``, missing asset files, or (strict) an unknown
        remote script/stylesheet.
    """
    if mode not in ("inline", "url"):
        raise InputError(
            _("mode must be 'inline' or 'url', got {mode}").format(mode=repr(mode)), source="mode"
        )
    if mode == "url" and not base_url:
        raise InputError(
            _("mode='url' needs base_url, e.g. '/app/static/vendor/' for Streamlit static serving"),
            source="base_url",
        )
    urls = [m.group("url") for m in _SCRIPT_RE.finditer(html)]
    urls += [m.group("url") for m in _LINK_RE.finditer(html)]
    used = {u: a for u in urls if (a := asset_for_url(u)) is not None}
    unknown = sorted({u for u in urls if _is_remote(u) and u not in used})
    if unknown:
        msg = N_(
            "map links remote files with no local copy: {urls}; use plain "
            "folium features (GeoJson, CircleMarker, LayerControl) or add the file to "
            "ASSETS in geo_outreach/present/assets.py"
        )
        if strict:
            raise InputError(_(msg).format(urls=", ".join(unknown)), source=unknown[0])
        logger.warning(msg.format(urls=", ".join(unknown)))  # logs stay English
    root = require_assets(assets_dir, assets=used.values())

    def script(match: re.Match[str]) -> str:
        asset = used.get(match.group("url"))
        if asset is None:
            return match.group(0)
        if mode == "url":
            return f'<script src="{_join_url(base_url or "", asset.relpath)}"></script>'
        code = _inline_js(root / asset.relpath)
        if asset.package == "leaflet" and asset.kind == "js":
            code += _leaflet_icon_fix(root / asset.folder / "dist" / "images")
        return f"<script>/* {asset.relpath} */\n{code}\n</script>"

    def link(match: re.Match[str]) -> str:
        asset = used.get(match.group("url"))
        if asset is None:
            return match.group(0)
        if mode == "url":
            return f'<link rel="stylesheet" href="{_join_url(base_url or "", asset.relpath)}"/>'
        css = _inline_css(root / asset.relpath)
        css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.I)
        return f"<style>/* {asset.relpath} */\n{css}\n</style>"

    html = _SCRIPT_RE.sub(script, html)
    return _LINK_RE.sub(link, html)


def _walk(element: object) -> Iterator[object]:
    yield element
    children = getattr(element, "_children", None)
    if children:
        for child in list(children.values()):
            yield from _walk(child)


def localize_map(
    m: folium.Map,
    *,
    base_url: str,
    assets_dir: str | os.PathLike[str] | None = None,
    strict: bool = True,
) -> folium.Map:
    """Point the JS/CSS links of every element of ``m`` at ``base_url`` (in place).

    This rewrites each element's ``default_js`` / ``default_css`` lists, which
    is what both ``folium``'s HTML rendering and ``streamlit_folium.st_folium``
    read, so use it for maps shown in Streamlit with static serving on.

    Parameters
    ----------
    m
        The map.
    base_url
        URL the vendor folder is served at, e.g. ``"/app/static/vendor/"``.
    assets_dir
        Vendor folder, checked for the files.
    strict
        Raise :class:`InputError` for remote links with no local copy.

    Returns
    -------
    folium.Map
        ``m`` itself.
    """
    if not base_url:
        raise InputError(_("base_url is required, e.g. '/app/static/vendor/'"), source="base_url")
    used: dict[str, VendorAsset] = {}
    unknown: set[str] = set()
    elements = list(_walk(m))
    for el in elements:
        for attr in ("default_js", "default_css"):
            for _kind, url in getattr(el, attr, None) or []:
                if url in _BY_URL:
                    used[url] = _BY_URL[url]
                elif _is_remote(url):
                    unknown.add(url)
    if unknown:
        urls = ", ".join(sorted(unknown))
        if strict:
            raise InputError(
                _("map links remote files with no local copy: {urls}; add them to ASSETS").format(
                    urls=urls
                ),
                source=sorted(unknown)[0],
            )
        logger.warning("map links remote files with no local copy: %s", urls)
    require_assets(assets_dir, assets=used.values())
    for el in elements:
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if links:
                setattr(
                    el,
                    attr,
                    [
                        (name, _join_url(base_url, used[url].relpath) if url in used else url)
                        for name, url in links
                    ],
                )
    return m


def render_offline_html(
    m: folium.Map,
    *,
    mode: Literal["inline", "url"] = "inline",
    base_url: str | None = None,
    assets_dir: str | os.PathLike[str] | None = None,
    strict: bool = True,
) -> str:
    """Render a folium map to a full HTML page whose scripts and styles are local.

    See :func:`localize_html` for the parameters.
    """
    html = m.get_root().render()
    return localize_html(html, mode=mode, base_url=base_url, assets_dir=assets_dir, strict=strict)


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geo_outreach.present.assets {fetch,check,list}``."""
    parser = argparse.ArgumentParser(
        prog="python -m geo_outreach.present.assets",
        description="Manage the local copies of the web map libraries (Leaflet...).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_fetch = sub.add_parser("fetch", help="download the npm packages (skips present ones)")
    p_fetch.add_argument("--dest", help=f"vendor folder (default ${ENV_VAR} or app/static/vendor)")
    p_fetch.add_argument("--force", action="store_true", help="download again")
    p_fetch.add_argument("--npm", default="npm", help="npm executable")
    p_fetch.add_argument("--no-prune", action="store_true", help="keep whole packages")
    p_check = sub.add_parser("check", help="exit 1 when files are missing")
    p_check.add_argument("--dest")
    sub.add_parser("list", help="print the CDN URL -> local file table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "fetch":
            got = fetch_assets(args.dest, npm=args.npm, force=args.force, prune=not args.no_prune)
            root = require_assets(args.dest)
            logger.info(
                "assets ready in %s (%s)",
                root,
                f"fetched {', '.join(got)}" if got else "all present",
            )
        elif args.command == "check":
            root = require_assets(args.dest)
            logger.info("all %d assets present in %s", len(ASSETS), root)
        else:
            for a in ASSETS:
                sys.stdout.write(f"{a.cdn_url}\t{a.relpath}\n")
    except InputError as exc:
        logger.error("error: %s", exc)
        return 2 if args.command == "fetch" else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
