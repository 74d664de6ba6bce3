"""Copy the front-end packages installed by npm into yugong/static/vendor (git-ignored).

Nothing third-party is committed and nothing is loaded from a CDN: the app serves these files itself.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
DEST = ROOT / "yugong" / "static" / "vendor"

FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "@alpinejs/csp/dist/cdn.min.js": "alpine-csp.min.js",
    "echarts/dist/echarts.min.js": "echarts.min.js",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    # leaflet.js names its source map; the hashed-manifest storage (production) needs it present.
    "leaflet/dist/leaflet.js.map": "leaflet/leaflet.js.map",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "bulma/css/bulma.min.css": "bulma.min.css",
    # Camera QR scanning (gate, pass spots, member card, station check-in). The worker module is
    # imported lazily by the scanner from its own directory when the browser has no BarcodeDetector.
    "qr-scanner/qr-scanner.umd.min.js": "qr-scanner/qr-scanner.umd.min.js",
    "qr-scanner/qr-scanner-worker.min.js": "qr-scanner/qr-scanner-worker.min.js",
    # Both name their source maps; the hashed-manifest storage (production) needs them present.
    "qr-scanner/qr-scanner.umd.min.js.map": "qr-scanner/qr-scanner.umd.min.js.map",
    "qr-scanner/qr-scanner-worker.min.js.map": "qr-scanner/qr-scanner-worker.min.js.map",
}


def main() -> int:
    missing = [src for src in FILES if not (NODE / src).exists()]
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
