#!/bin/bash
# fs/badimage: damaged metadata never crashes or hangs mount and fsck,
# and fsck --repair leaves an image a second fsck finds clean.
. "$(dirname "$0")/lib.sh"
"$PY" "$(dirname "$0")/badimage.py" "$BISCOTTI" "$T/bad" "${BADIMAGE_ROUNDS:-18}" "${BADIMAGE_SEED:-1}"
