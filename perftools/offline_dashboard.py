"""offline-dashboard: make an `asv publish` (asv 0.6.x) dashboard work without network access.

asv's html/index.html loads jQuery, flot, stupidtable, blueimp-md5 and bootstrap from
CDNs. This copies the same libraries from pinned npm packages into <html_dir>/vendor/
and rewrites the <script>/<link> tags to those local paths (dropping
integrity/crossorigin/referrerpolicy, since several npm files are not byte-identical to
the CDN ones). Run it after every `asv publish` (publish regenerates index.html);
``python -m perftools publish`` does. Idempotent.

    python -m perftools offline-dashboard --print-packages   # the pinned npm packages
    python -m perftools offline-dashboard HTML_DIR [NPM_DIR] [--install]

Exit status 1 if an external script/stylesheet URL is found that this does not know
(e.g. after an asv upgrade) or a needed npm file is missing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from perftools.common import ASV_DIR, ToolError

NPM_DIR = ASV_DIR / "npm"  # where `npm install --prefix` puts the pinned packages

NPM_PACKAGES = [
    "jquery@3.3.1",
    "flot@0.8.3",
    "flot-orderbars@1.0.0",
    "stupid-table-plugin@1.1.3",  # only version on npm; cdnjs serves stupidtable 1.0.1
    "blueimp-md5@2.19.0",
    "bootstrap@3.1.1",
]

# CDN URL (as written by asv 0.6.x) -> (file inside node_modules, path under html/vendor)
ASSETS = {
    "https://code.jquery.com/jquery-3.3.1.min.js": (
        "jquery/dist/jquery.min.js",
        "jquery/jquery.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js": (
        "flot/jquery.flot.js",
        "flot/jquery.flot.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js": (
        "flot/jquery.flot.time.js",
        "flot/jquery.flot.time.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js": (
        "flot/jquery.flot.selection.js",
        "flot/jquery.flot.selection.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js": (
        "flot/jquery.flot.categories.js",
        "flot/jquery.flot.categories.js",
    ),
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js": (
        "flot-orderbars/js/jquery.flot.orderBars.js",
        "flot-orderbars/jquery.flot.orderBars.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js": (
        "stupid-table-plugin/stupidtable.min.js",
        "stupidtable/stupidtable.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js": (
        "blueimp-md5/js/md5.min.js",
        "blueimp-md5/md5.min.js",
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js",
        "bootstrap/js/bootstrap.min.js",
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css",
        "bootstrap/css/bootstrap.min.css",
    ),
}
# bootstrap.min.css refers to ../fonts/glyphicons-halflings-regular.*
EXTRA_DIRS = [("bootstrap/dist/fonts", "bootstrap/fonts")]

TAG_RE = re.compile(r"<(script|link)\b[^>]*>", re.I)
URL_ATTR_RE = re.compile(r'\b(src|href)\s*=\s*"(https?:)?//[^"]*"', re.I)
DROP_ATTR_RE = re.compile(r'\s+(integrity|crossorigin|referrerpolicy)\s*=\s*"[^"]*"', re.I)


def sri_ok(path: str, integrity: str) -> bool:
    alg, want = integrity.split("-", 1)
    got = base64.b64encode(hashlib.new(alg, Path(path).read_bytes()).digest()).decode()
    return got == want


def rewrite_tag(tag: str, unknown: list[str], report: list[tuple[str, str | None]]) -> str:
    m = URL_ATTR_RE.search(tag)
    if not m:
        return tag
    url = re.search(r'"([^"]*)"', m.group(0)).group(1)
    if url not in ASSETS:
        unknown.append(url)
        return tag
    integ = re.search(r'\bintegrity\s*=\s*"([^"]*)"', tag)
    report.append((url, integ.group(1) if integ else None))
    local = "vendor/" + ASSETS[url][1]
    tag = tag.replace(m.group(0), f'{m.group(1)}="{local}"')
    return DROP_ATTR_RE.sub("", tag)


def install_npm_packages(npm_dir: Path = NPM_DIR) -> None:
    """``npm install`` the pinned packages into ``npm_dir``, unless they are there already."""
    if (npm_dir / "node_modules" / "flot").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ToolError("npm is not installed: the dashboard's scripts come from npm packages")
    command = [npm, "install", "--silent", "--no-audit", "--no-fund", "--ignore-scripts",
               "--prefix", str(npm_dir), *NPM_PACKAGES]  # fmt: skip
    if subprocess.run(command).returncode != 0:
        raise ToolError(f"npm install into {npm_dir} failed: {' '.join(NPM_PACKAGES)}")


def copy_vendor(node_modules: str, vendor: str) -> list[str]:
    """Copy every asset into ``vendor``; the npm files that are missing, if any."""
    missing = [s for s, _ in ASSETS.values() if not os.path.isfile(os.path.join(node_modules, s))]
    missing += [s for s, _ in EXTRA_DIRS if not os.path.isdir(os.path.join(node_modules, s))]
    if missing:
        return missing
    for src, dst in ASSETS.values():
        os.makedirs(os.path.dirname(os.path.join(vendor, dst)), exist_ok=True)
        shutil.copyfile(os.path.join(node_modules, src), os.path.join(vendor, dst))
    for src, dst in EXTRA_DIRS:
        shutil.copytree(os.path.join(node_modules, src), os.path.join(vendor, dst),
                        dirs_exist_ok=True)  # fmt: skip
    return []


def rewrite_pages(html_dir: str, vendor: str) -> list[str]:
    """Point every page's CDN tags at ``vendor``; the unknown external URLs left in place."""
    unknown: list[str] = []
    report: list[tuple[str, str | None]] = []
    for name in sorted(os.listdir(html_dir)):
        if not name.endswith(".html"):
            continue
        path = os.path.join(html_dir, name)
        text = Path(path).read_text(encoding="utf-8")
        new = TAG_RE.sub(lambda m: rewrite_tag(m.group(0), unknown, report), text)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"rewrote {path}")
    for url, integ in report:
        local = os.path.join(vendor, ASSETS[url][1])
        same = "byte-identical" if integ and sri_ok(local, integ) else "NOT byte-identical"
        print(f"  {url} -> vendor/{ASSETS[url][1]} ({same})")
    return unknown


def make_offline(html_dir: Path, npm_dir: Path = NPM_DIR) -> int:
    """Vendor the scripts into ``html_dir`` from ``npm_dir``; 1 if something is missing."""
    node_modules = str(npm_dir)
    if os.path.isdir(os.path.join(node_modules, "node_modules")):
        node_modules = os.path.join(node_modules, "node_modules")
    vendor = os.path.join(html_dir, "vendor")
    missing = copy_vendor(node_modules, vendor)
    if missing:
        print("missing in npm dir:", *missing, sep="\n  ", file=sys.stderr)
        print(f"install with: python -m perftools offline-dashboard {html_dir} {npm_dir} "
              "--install", file=sys.stderr)  # fmt: skip
        return 1
    unknown = rewrite_pages(str(html_dir), vendor)
    if unknown:
        print("unknown external URLs left in place:", *unknown, sep="\n  ", file=sys.stderr)
        return 1
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("html_dir", nargs="?", type=Path)
    parser.add_argument("npm_dir", nargs="?", type=Path, default=NPM_DIR,
                        help=f"the --prefix npm installed into (default: {NPM_DIR})")  # fmt: skip
    parser.add_argument("--install", action="store_true", help="npm install what is missing")
    parser.add_argument("--print-packages", action="store_true")


def run(args: argparse.Namespace) -> int:
    if args.print_packages:
        print(" ".join(NPM_PACKAGES))
        return 0
    if args.html_dir is None:
        raise ToolError("give the dashboard's folder (html_dir), or --print-packages")
    if args.install:
        install_npm_packages(args.npm_dir)
    return make_offline(args.html_dir, args.npm_dir)
