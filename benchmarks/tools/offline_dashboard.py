"""Make an `asv publish` (asv 0.6.x) dashboard work without network access.

asv's html/index.html loads jQuery, flot, stupidtable, blueimp-md5 and
bootstrap from CDNs.  This script copies the same libraries from npm packages
into <html_dir>/vendor/ and rewrites the <script>/<link> tags to those local
paths (dropping integrity/crossorigin/referrerpolicy, since several npm files
are not byte-identical to the CDN ones).  Run it after every `asv publish`
(publish regenerates index.html).  Idempotent.

Usage:
    python offline_dashboard.py --print-packages    # what `make publish` installs with npm
    python offline_dashboard.py HTML_DIR NPMDIR     # NPMDIR: the --prefix npm installed into

Exit status 1 if an external script/stylesheet URL is found that this script
does not know (e.g. after an asv upgrade) or a needed npm file is missing.
"""

import argparse
import base64
import hashlib
import os
import re
import shutil
import sys

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


def sri_ok(path, integrity):
    alg, want = integrity.split("-", 1)
    got = base64.b64encode(hashlib.new(alg, open(path, "rb").read()).digest()).decode()
    return got == want


def rewrite_tag(tag, unknown, report):
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("html_dir", nargs="?")
    ap.add_argument(
        "npm_dir", nargs="?", help="the --prefix given to npm install (or its node_modules)"
    )
    ap.add_argument("--print-packages", action="store_true")
    a = ap.parse_args()
    if a.print_packages:
        print(" ".join(NPM_PACKAGES))
        return 0
    if not (a.html_dir and a.npm_dir):
        ap.error("html_dir and npm_dir are required")
    nm = a.npm_dir
    if os.path.isdir(os.path.join(nm, "node_modules")):
        nm = os.path.join(nm, "node_modules")
    vendor = os.path.join(a.html_dir, "vendor")

    missing = [s for s, _ in ASSETS.values() if not os.path.isfile(os.path.join(nm, s))]
    missing += [s for s, _ in EXTRA_DIRS if not os.path.isdir(os.path.join(nm, s))]
    if missing:
        print("missing in npm dir:", *missing, sep="\n  ", file=sys.stderr)
        print(
            "install with: npm install --prefix NPMDIR " + " ".join(NPM_PACKAGES), file=sys.stderr
        )
        return 1
    for src, dst in ASSETS.values():
        os.makedirs(os.path.dirname(os.path.join(vendor, dst)), exist_ok=True)
        shutil.copyfile(os.path.join(nm, src), os.path.join(vendor, dst))
    for src, dst in EXTRA_DIRS:
        shutil.copytree(os.path.join(nm, src), os.path.join(vendor, dst), dirs_exist_ok=True)

    unknown, report = [], []
    for name in sorted(os.listdir(a.html_dir)):
        if not name.endswith(".html"):
            continue
        path = os.path.join(a.html_dir, name)
        text = open(path, encoding="utf-8").read()
        new = TAG_RE.sub(lambda m: rewrite_tag(m.group(0), unknown, report), text)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"rewrote {path}")
    for url, integ in report:
        local = os.path.join(vendor, ASSETS[url][1])
        same = "byte-identical" if integ and sri_ok(local, integ) else "NOT byte-identical"
        print(f"  {url} -> vendor/{ASSETS[url][1]} ({same})")
    if unknown:
        print("unknown external URLs left in place:", *unknown, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
