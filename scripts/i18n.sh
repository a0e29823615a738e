#!/usr/bin/env bash
# Translations: extract the strings from the sources, update every catalogue, compile them.
#
# Usage: scripts/i18n.sh [extract|update|compile|all] [--init LANG]
#   extract   sources -> geo_outreach/locale/geo_outreach.pot
#   update    .pot -> each geo_outreach/locale/{en,es,sv}/LC_MESSAGES/geo_outreach.po (new ids
#             appear untranslated; tests/test_i18n.py fails until a translator fills them)
#   compile   .po -> .mo beside it (optional: geo_outreach.i18n compiles a .po in memory when
#             its .mo is missing or older)
#   all       the three in order (default)
#   --init LANG  start the catalogue of a new language (see docs/i18n.md)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[[ -x $PY ]] || PY=python3
LOCALE=geo_outreach/locale
POT=$LOCALE/geo_outreach.pot
LANGS=(en es sv)
KEYWORDS=(-k _ -k gettext -k ngettext:1,2 -k N_)

extract() {
    "$PY" -m babel.messages.frontend extract -F babel.cfg --no-location --sort-output \
        "${KEYWORDS[@]}" -o "$POT" --project=geo_outreach .
}
update() {
    for lang in "${LANGS[@]}"; do
        "$PY" -m babel.messages.frontend update -i "$POT" -d "$LOCALE" -D geo_outreach -l "$lang" \
            --no-fuzzy-matching --ignore-obsolete
    done
}
compile() {
    "$PY" -m babel.messages.frontend compile -d "$LOCALE" -D geo_outreach --statistics
}

case "${1:-all}" in
    extract) extract ;;
    update) update ;;
    compile) compile ;;
    all) extract; update; compile ;;
    --init)
        lang=${2:?--init needs a language code}
        extract
        "$PY" -m babel.messages.frontend init -i "$POT" -d "$LOCALE" -D geo_outreach -l "$lang"
        ;;
    *) echo "unknown step: $1 (extract|update|compile|all|--init LANG)" >&2; exit 2 ;;
esac
